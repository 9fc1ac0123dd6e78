/**
 * The lake on ADLS Gen2 (a storage account with the hierarchical namespace):
 * layer -> container (file system) named after the layer, key -> path.
 * REST over global fetch with a Microsoft Entra bearer token; no SDK.
 *
 * - list: DFS Path - List (`GET /<layer>?resource=filesystem&recursive=true&directory=...`),
 *   JSON, paged with `x-ms-continuation`;
 * - read: Blob Get Blob;
 * - write: Blob Put Blob, one call: a block blob is committed whole or not at all
 *   (Put Blob takes up to 5000 MiB per call, far above any object the handlers write);
 * - delete: Blob Delete Blob (a missing blob is not an error, as on S3 and locally);
 * - for the Databricks engine: a ranged read, and atomic directory rename and
 *   recursive delete (DFS Path - Create with x-ms-rename-source, Path - Delete).
 */
import type { Layer } from '../../../config/schema.ts';
import type { ObjectStore, StoredObject } from '../../ports/object-store.ts';
import type { AccessTokenProvider } from './managed-identity-credential.ts';

export const STORAGE_RESOURCE = 'https://storage.azure.com/';
/** The REST version sent with every request (DFS and Blob both serve it). */
export const STORAGE_API_VERSION = '2023-11-03';

export interface AdlsObjectStoreOptions {
  /** The storage account of the lake (APP_SETTINGS.storageAccount). */
  readonly account: string;
  readonly credential: AccessTokenProvider;
  /** @default `https://<account>.dfs.core.windows.net` */
  readonly dfsEndpoint?: string;
  /** @default `https://<account>.blob.core.windows.net` */
  readonly blobEndpoint?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** What the Databricks query engine needs of the lake beyond the ObjectStore port. */
export interface AdlsLake extends ObjectStore {
  /** The storage account, for `abfss://<layer>@<account>.dfs.core.windows.net/` paths. */
  readonly account: string;
  /** The first `bytes` bytes of an object (fewer when it is shorter). */
  readHead(layer: Layer, key: string, bytes: number): Promise<Uint8Array>;
  /** Renames a directory (or file) in one atomic operation; false when `from` does not exist. */
  renameDirectory(layer: Layer, from: string, to: string): Promise<boolean>;
  /** Deletes a directory and everything under it; a missing one is not an error. */
  deleteDirectory(layer: Layer, path: string): Promise<void>;
}

interface ListedPath {
  readonly name?: string;
  readonly isDirectory?: string | boolean;
  readonly contentLength?: string | number;
}

const byKey = (a: StoredObject, b: StoredObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const encodePath = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/** A request the storage service refused; names the operation, the layer and key, the status and the service's error code. */
export class AdlsRequestError extends Error {
  override readonly name = 'AdlsRequestError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export class AdlsObjectStore implements AdlsLake {
  readonly account: string;
  private readonly credential: AccessTokenProvider;
  private readonly dfs: string;
  private readonly blob: string;
  private readonly fetch: typeof fetch;

  constructor(options: AdlsObjectStoreOptions) {
    if (!/^[a-z0-9]{3,24}$/.test(options.account)) throw new Error(`AdlsObjectStore: "${options.account}" is not a storage account name (3-24 lowercase letters and digits)`);
    this.account = options.account;
    this.credential = options.credential;
    this.dfs = (options.dfsEndpoint ?? `https://${options.account}.dfs.core.windows.net`).replace(/\/+$/, '');
    this.blob = (options.blobEndpoint ?? `https://${options.account}.blob.core.windows.net`).replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  private async send(url: string, init: { method: string; headers?: Record<string, string>; body?: Uint8Array }): Promise<Response> {
    const token = await this.credential.getToken(STORAGE_RESOURCE);
    return this.fetch(url, {
      method: init.method,
      headers: { authorization: `Bearer ${token}`, 'x-ms-version': STORAGE_API_VERSION, ...init.headers },
      body: init.body as BodyInit | undefined,
    });
  }

  private async failure(response: Response, what: string): Promise<AdlsRequestError> {
    const text = await response.text().catch(() => '');
    let code = response.headers.get('x-ms-error-code') ?? undefined;
    let message = '';
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code ??= parsed.error?.code;
      message = parsed.error?.message?.split('\n')[0] ?? '';
    } catch {
      message = /<Message>([^<\n]*)/.exec(text)?.[1] ?? '';
    }
    return new AdlsRequestError(`AdlsObjectStore: ${what}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, response.status, code);
  }

  /** Files under a directory, recursively or not; a missing directory lists nothing. */
  private async listDirectory(layer: Layer, directory: string, recursive: boolean): Promise<{ files: StoredObject[]; directories: string[] }> {
    const files: StoredObject[] = [];
    const directories: string[] = [];
    let continuation: string | undefined;
    do {
      const query = new URLSearchParams({ resource: 'filesystem', recursive: String(recursive) });
      if (directory) query.set('directory', directory);
      if (continuation) query.set('continuation', continuation);
      const response = await this.send(`${this.dfs}/${layer}?${query.toString()}`, { method: 'GET' });
      if (response.status === 404 && directory) {
        await response.body?.cancel();
        return { files: [], directories: [] };
      }
      if (!response.ok) throw await this.failure(response, `cannot list ${layer}/${directory}`);
      const page = (await response.json()) as { paths?: ListedPath[] };
      for (const path of page.paths ?? []) {
        if (!path.name) continue;
        if (path.isDirectory === true || path.isDirectory === 'true') directories.push(path.name);
        else files.push({ key: path.name, sizeBytes: Number(path.contentLength ?? 0) });
      }
      continuation = response.headers.get('x-ms-continuation') || undefined;
    } while (continuation);
    return { files, directories };
  }

  /**
   * A prefix ending in `/` (or empty) is a directory: one recursive listing.
   * Otherwise (`orders/part-`) its parent is listed one level deep and the
   * matching entries kept, descending into matching directories: the same
   * keys S3 would list for that prefix.
   */
  async list(layer: Layer, prefix: string): Promise<StoredObject[]> {
    if (prefix === '' || prefix.endsWith('/')) {
      return (await this.listDirectory(layer, prefix.replace(/\/+$/, ''), true)).files.sort(byKey);
    }
    const parent = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const level = await this.listDirectory(layer, parent, false);
    const found = level.files.filter((file) => file.key.startsWith(prefix));
    for (const directory of level.directories.filter((name) => name.startsWith(prefix))) {
      found.push(...(await this.listDirectory(layer, directory, true)).files);
    }
    return found.sort(byKey);
  }

  async read(layer: Layer, key: string): Promise<Uint8Array> {
    const response = await this.send(`${this.blob}/${layer}/${encodePath(checkedKey(key))}`, { method: 'GET' });
    if (response.status === 404) {
      await response.body?.cancel();
      throw new AdlsRequestError(`AdlsObjectStore: cannot read ${layer}/${key}: no such object in container "${layer}" of account ${this.account}`, 404, 'BlobNotFound');
    }
    if (!response.ok) throw await this.failure(response, `cannot read ${layer}/${key}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async exists(layer: Layer, key: string): Promise<boolean> {
    const response = await this.send(`${this.blob}/${layer}/${encodePath(checkedKey(key))}`, { method: 'HEAD' });
    if (response.status === 404) return false;
    if (!response.ok) throw await this.failure(response, `cannot check ${layer}/${key}`);
    return true;
  }

  async readHead(layer: Layer, key: string, bytes: number): Promise<Uint8Array> {
    const response = await this.send(`${this.blob}/${layer}/${encodePath(checkedKey(key))}`, { method: 'GET', headers: { 'x-ms-range': `bytes=0-${bytes - 1}` } });
    if (response.status === 416) return new Uint8Array(); // an empty blob has no byte 0
    if (!response.ok) throw await this.failure(response, `cannot read the start of ${layer}/${key}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Put Blob: one request, committed whole or not at all; parent directories appear implicitly on HNS. */
  async write(layer: Layer, key: string, body: Uint8Array | string): Promise<void> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const response = await this.send(`${this.blob}/${layer}/${encodePath(checkedKey(key))}`, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) },
      body: bytes,
    });
    if (!response.ok) throw await this.failure(response, `cannot write ${layer}/${key}`);
    await response.body?.cancel();
  }

  async create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const response = await this.send(`${this.blob}/${layer}/${encodePath(checkedKey(key))}`, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength), 'if-none-match': '*' },
      body: bytes,
    });
    // 409 BlobAlreadyExists (or 412): something is at the key already.
    if (response.status === 409 || response.status === 412) {
      await response.body?.cancel();
      return false;
    }
    if (!response.ok) throw await this.failure(response, `cannot create ${layer}/${key}`);
    await response.body?.cancel();
    return true;
  }

  async delete(layer: Layer, key: string): Promise<void> {
    const response = await this.send(`${this.blob}/${layer}/${encodePath(checkedKey(key))}`, { method: 'DELETE' });
    if (!response.ok && response.status !== 404) throw await this.failure(response, `cannot delete ${layer}/${key}`);
    await response.body?.cancel();
  }

  async renameDirectory(layer: Layer, from: string, to: string): Promise<boolean> {
    const response = await this.send(`${this.dfs}/${layer}/${encodePath(checkedKey(to))}`, {
      method: 'PUT',
      headers: { 'x-ms-rename-source': `/${layer}/${encodePath(checkedKey(from))}` },
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return false;
    }
    if (!response.ok) throw await this.failure(response, `cannot rename ${layer}/${from} to ${to}`);
    await response.body?.cancel();
    return true;
  }

  async deleteDirectory(layer: Layer, path: string): Promise<void> {
    let continuation: string | undefined;
    // On HNS accounts a recursive delete is one call; the service may still ask to continue.
    do {
      const query = new URLSearchParams({ recursive: 'true' });
      if (continuation) query.set('continuation', continuation);
      const response = await this.send(`${this.dfs}/${layer}/${encodePath(checkedKey(path))}?${query.toString()}`, { method: 'DELETE' });
      if (response.status === 404) {
        await response.body?.cancel();
        return;
      }
      if (!response.ok) throw await this.failure(response, `cannot delete ${layer}/${path}`);
      await response.body?.cancel();
      continuation = response.headers.get('x-ms-continuation') || undefined;
    } while (continuation);
  }
}

/** The same rule the folder and S3 adapters enforce, so a key that fails locally fails on Azure too. */
function checkedKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..')) {
    throw new Error(`AdlsObjectStore: object key "${key}" must be non-empty, relative and must not contain ".." segments`);
  }
  return key.replace(/\/+$/, '');
}
