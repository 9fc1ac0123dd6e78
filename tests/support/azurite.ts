/**
 * Azurite (https://github.com/Azure/Azurite), Microsoft's Azure Storage
 * emulator from npm, for one test file: the blob service on 127.0.0.1 over
 * HTTPS with OAuth, as the adapters call Azure Storage (bearer tokens are
 * only accepted over TLS). Its certificate is made for the run with openssl
 * and trusted by `fetch` below only, never by the process. Started in
 * beforeAll, stopped in afterAll; nothing is skipped when it cannot start.
 *
 * Azurite's OAuth checks a token's issuer, audience and lifetime, not its
 * signature (`--oauth basic`): `token()` makes such a token.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { STORAGE_API_VERSION } from '../../lambdas/adapters/azure/adls-object-store.ts';
import { freePort } from './free-port.ts';

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';

export interface Azurite {
  /** `https://127.0.0.1:<port>/devstoreaccount1`: the blob endpoint of the account. */
  readonly blobEndpoint: string;
  /** A fetch that trusts this Azurite's certificate (and only that). */
  readonly fetch: typeof fetch;
  /** A bearer token Azurite accepts for the storage audience. */
  token(): string;
  /** Creates a container (a lake layer), as the platform stack would. */
  createContainer(name: string): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** fetch over node:https with `ca` as the only trusted certificate. */
function fetchTrusting(ca: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const outgoing = request(new URL(String(input)), { method: init?.method ?? 'GET', headers, ca }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 500;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) for (const each of [value ?? []].flat()) responseHeaders.append(name, each);
          const noBody = init?.method === 'HEAD' || status === 204 || status === 304;
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      outgoing.on('error', reject);
      outgoing.end(init?.body === undefined || init.body === null ? undefined : Buffer.from(init.body as Uint8Array));
    })) as typeof fetch;
}

export function useAzurite(): Azurite {
  let child: ChildProcess | undefined;
  let folder: string | undefined;
  let endpoint: string | undefined;
  let trusting: typeof fetch | undefined;
  const output: string[] = [];

  const token = () => {
    const now = Math.floor(Date.now() / 1000);
    // Issuer, audience and times as Entra ID issues them for Azure Storage; the signature is not checked.
    const payload = { aud: 'https://storage.azure.com', iss: 'https://sts.windows.net/ab1f708d-50f6-404c-a006-d71b2ac7a606/', iat: now - 60, nbf: now - 60, exp: now + 3600, oid: 'test-identity' };
    return `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(payload)}.${Buffer.from('unsigned').toString('base64url')}`;
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'strata-azurite-'));
    const [cert, key] = [join(folder, 'cert.pem'), join(folder, 'key.pem')];
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    } catch (error) {
      throw new Error(`openssl could not make Azurite's certificate (Debian package openssl): ${(error as Error).message}`);
    }
    trusting = fetchTrusting(readFileSync(cert, 'utf8'));
    const port = await freePort();
    const binary = join(REPO_ROOT, 'node_modules', '.bin', 'azurite-blob');
    const args = ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--oauth', 'basic', '--cert', cert, '--key', key, '--skipApiVersionCheck'];
    const spawned = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    spawned.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    spawned.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const url = `https://127.0.0.1:${port}`;
    const exited = new Promise<never>((_, reject) => {
      spawned.once('error', (error) => reject(new Error(`Azurite could not start (${binary}): ${error.message}; it comes with npm ci`)));
      spawned.once('exit', (code) => reject(new Error(`Azurite exited (${code}) before answering on ${url}:\n${output.join('')}`)));
    });
    const ready = (async () => {
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        try {
          await trusting!(`${url}/${AZURITE_ACCOUNT}?comp=list`);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw new Error(`Azurite did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s:\n${output.join('')}`);
    })();
    await Promise.race([ready, exited]);
    exited.catch(() => undefined);
    endpoint = `${url}/${AZURITE_ACCOUNT}`;
  }, START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null && running.signalCode === null) {
      const gone = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const started = () => {
    if (!endpoint || !trusting) throw new Error('Azurite is not running (useAzurite starts it in beforeAll)');
    return { endpoint, trusting };
  };
  return {
    get blobEndpoint() {
      return started().endpoint;
    },
    get fetch() {
      return ((input: string | URL | Request, init?: RequestInit) => started().trusting(input, init)) as typeof fetch;
    },
    token,
    async createContainer(name) {
      const { endpoint: at, trusting: send } = started();
      const response = await send(`${at}/${name}?restype=container`, { method: 'PUT', headers: { authorization: `Bearer ${token()}`, 'x-ms-version': STORAGE_API_VERSION } });
      if (response.status !== 201 && response.status !== 409) throw new Error(`Azurite: cannot create container ${name}: HTTP ${response.status} ${await response.text()}`);
    },
  };
}
