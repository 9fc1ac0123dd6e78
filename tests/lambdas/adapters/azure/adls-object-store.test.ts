import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdlsObjectStore, STORAGE_RESOURCE } from '../../../../lambdas/adapters/azure/adls-object-store.ts';
import { AZURITE_ACCOUNT, useAzurite } from '../../../support/azurite.ts';
import { recorded, recordingCredential, replay, startReplayServer, type RecordedRequest, type ReplayAnswer, type ReplayServer } from './replay-server.ts';

const page1 = recorded('adls-list-paths-page-1');
const continuation = page1.response.headers!['x-ms-continuation']!;

/** DFS listings from recordings; blob GET/PUT/DELETE on a map, as the Blob service would keep them. */
function azureStorage(blobs: Map<string, Buffer>) {
  return (request: RecordedRequest): ReplayAnswer => {
    if (request.path.startsWith('/dfs/')) {
      const path = request.path.slice('/dfs'.length);
      if (request.method === 'GET' && request.query.get('resource') === 'filesystem') {
        const directory = request.query.get('directory');
        if (path === '/raw' && directory === 'orders') return replay(request.query.get('continuation') === continuation ? recorded('adls-list-paths-page-2') : page1);
        if (path === '/refined' && directory === 'scores' && request.query.get('recursive') === 'false') return replay(recorded('adls-list-paths-parent'));
        if (path === '/refined' && directory === 'scores/model=churn') return replay(recorded('adls-list-paths-model-churn'));
        return replay(recorded('adls-path-not-found'));
      }
      if (request.method === 'PUT' && request.headers['x-ms-rename-source']) {
        return request.headers['x-ms-rename-source'] === '/refined/abt_churn' ? { status: 201 } : replay(recorded('adls-path-not-found'));
      }
      if (request.method === 'DELETE') return path === '/dataquality/_scratch/s1' ? { status: 200 } : replay(recorded('adls-path-not-found'));
    }
    if (request.path.startsWith('/blob/')) {
      const key = decodeURIComponent(request.path.slice('/blob/'.length));
      if (request.method === 'PUT') {
        blobs.set(key, request.body);
        return { status: 201 };
      }
      if (request.method === 'GET') {
        const body = blobs.get(key);
        if (!body) return replay(recorded('blob-not-found'));
        const range = /^bytes=0-(\d+)$/.exec(String(request.headers['x-ms-range'] ?? ''));
        return { status: range ? 206 : 200, body: range ? body.subarray(0, Number(range[1]) + 1) : body };
      }
      if (request.method === 'DELETE') return blobs.delete(key) ? { status: 202 } : replay(recorded('blob-not-found'));
    }
    return { status: 400, body: { error: { code: 'UnexpectedRequest', message: `${request.method} ${request.path}` } } };
  };
}

describe('AdlsObjectStore: DFS calls against recorded shapes on 127.0.0.1 (Azurite has no DFS endpoint)', () => {
  let server: ReplayServer;
  let blobs: Map<string, Buffer>;
  let store: AdlsObjectStore;
  let credential: ReturnType<typeof recordingCredential>;
  beforeEach(async () => {
    blobs = new Map();
    server = await startReplayServer(azureStorage(blobs));
    credential = recordingCredential();
    store = new AdlsObjectStore({ account: 'stratadevlake', credential, dfsEndpoint: `${server.url}/dfs`, blobEndpoint: `${server.url}/blob` });
  });
  afterEach(() => server.close());

  it('lists a directory recursively, following x-ms-continuation, keeping files only, sorted by key (Azure not called)', async () => {
    expect(await store.list('raw', 'orders/')).toEqual([
      { key: 'orders/ingest_date=2026-11-20/orders-1.csv', sizeBytes: 20480 },
      { key: 'orders/ingest_date=2026-11-20/orders-2.csv', sizeBytes: 1523 },
      { key: 'orders/ingest_date=2026-11-21/orders-1.csv', sizeBytes: 777 },
    ]);
    expect(server.requests.map((request) => [request.method, request.path, Object.fromEntries(request.query)])).toEqual([
      ['GET', '/dfs/raw', { resource: 'filesystem', recursive: 'true', directory: 'orders' }],
      ['GET', '/dfs/raw', { resource: 'filesystem', recursive: 'true', directory: 'orders', continuation }],
    ]);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe('Bearer token-for:https://storage.azure.com/');
      expect(request.headers['x-ms-version']).toBe('2023-11-03');
    }
  });

  it('lists a prefix that is not a directory from its parent, descending only into matching directories (Azure not called)', async () => {
    expect(await store.list('refined', 'scores/model=churn')).toEqual([
      { key: 'scores/model=churn.json', sizeBytes: 12 },
      { key: 'scores/model=churn/part-00000.zstd.parquet', sizeBytes: 4096 },
    ]);
    expect(server.requests.map((request) => `${request.query.get('directory')} recursive=${request.query.get('recursive')}`)).toEqual([
      'scores recursive=false',
      'scores/model=churn recursive=true',
    ]);
  });

  it('lists nothing under a directory that does not exist (404 PathNotFound) (Azure not called)', async () => {
    expect(await store.list('raw', 'missing/')).toEqual([]);
  });

  it('renames a directory with one DFS call and deletes a directory recursively, tolerating missing ones (Azure not called)', async () => {
    expect(await store.renameDirectory('refined', 'abt_churn', '_strata_previous_s1_abt_churn')).toBe(true);
    const rename = server.requests.at(-1)!;
    expect([rename.method, rename.path, rename.headers['x-ms-rename-source']]).toEqual(['PUT', '/dfs/refined/_strata_previous_s1_abt_churn', '/refined/abt_churn']);
    expect(await store.renameDirectory('refined', 'nothing_here', 'elsewhere')).toBe(false);

    await store.deleteDirectory('dataquality', '_scratch/s1');
    const remove = server.requests.at(-1)!;
    expect([remove.method, remove.path, Object.fromEntries(remove.query)]).toEqual(['DELETE', '/dfs/dataquality/_scratch/s1', { recursive: 'true' }]);
    await store.deleteDirectory('dataquality', '_scratch/gone');
  });

  it('refuses keys the other stores refuse, before any request', async () => {
    await expect(store.write('raw', '../escape.csv', 'x')).rejects.toThrow('must be non-empty, relative and must not contain ".." segments');
    await expect(store.read('raw', '/absolute.csv')).rejects.toThrow('must be non-empty, relative');
    expect(server.requests).toHaveLength(0);
    expect(() => new AdlsObjectStore({ account: 'Not_An_Account', credential })).toThrow('is not a storage account name');
  });
});

describe('AdlsObjectStore: blob calls against Azurite (HTTPS, OAuth bearer tokens)', () => {
  const azurite = useAzurite();
  let store: AdlsObjectStore;
  const asked: string[] = [];
  beforeAll(async () => {
    for (const layer of ['raw', 'trusted', 'dataquality']) await azurite.createContainer(layer);
    const credential = { getToken: async (resource: string) => (asked.push(resource), azurite.token()) };
    store = new AdlsObjectStore({ account: AZURITE_ACCOUNT, credential, blobEndpoint: azurite.blobEndpoint, dfsEndpoint: 'https://127.0.0.1:9/unused', fetch: azurite.fetch });
  });

  it('writes an object whole with one Put Blob, reads it back whole and by its first bytes, and deletes it', async () => {
    await store.write('dataquality', 'rejected/2026-11-22/drop one.csv', 'order_id\n1\n');
    expect(new TextDecoder().decode(await store.read('dataquality', 'rejected/2026-11-22/drop one.csv'))).toBe('order_id\n1\n');
    expect(new TextDecoder().decode(await store.readHead('dataquality', 'rejected/2026-11-22/drop one.csv', 8))).toBe('order_id');
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
    await store.write('raw', 'orders/ingest_date=2026-11-22/0123456789ab-orders.csv', bytes);
    expect(await store.read('raw', 'orders/ingest_date=2026-11-22/0123456789ab-orders.csv')).toEqual(bytes);

    await store.delete('dataquality', 'rejected/2026-11-22/drop one.csv');
    await expect(store.read('dataquality', 'rejected/2026-11-22/drop one.csv')).rejects.toThrow(/no such object/);
    // Deleting what is gone is not an error, as on S3 and in the folder store.
    await store.delete('dataquality', 'rejected/2026-11-22/drop one.csv');
    expect(new Set(asked)).toEqual(new Set([STORAGE_RESOURCE]));
  });

  it('tells whether a blob is at exactly a key, with one HEAD', async () => {
    await store.write('raw', 'received/orders/0123456789ab.json', '{}');
    expect(await store.exists('raw', 'received/orders/0123456789ab.json')).toBe(true);
    expect(await store.exists('raw', 'received/orders/0123456789a')).toBe(false);
    expect(await store.exists('trusted', 'received/orders/0123456789ab.json')).toBe(false);
  });

  it('creates a blob only where none is (If-None-Match: *): the first writer wins, a later one is told', async () => {
    expect(await store.create('raw', 'received/sellers/0123456789ab.json', 'first')).toBe(true);
    expect(await store.create('raw', 'received/sellers/0123456789ab.json', 'second')).toBe(false);
    expect(new TextDecoder().decode(await store.read('raw', 'received/sellers/0123456789ab.json'))).toBe('first');
  });

  it('reads the start of an empty object as no bytes (the service answers 416 for byte 0)', async () => {
    await store.write('raw', 'orders/empty.csv', new Uint8Array());
    expect(await store.readHead('raw', 'orders/empty.csv', 8)).toEqual(new Uint8Array());
  });

  it(`fails a read of a missing object naming the layer, the key and the account (404 BlobNotFound)`, async () => {
    await expect(store.read('trusted', 'orders/part-0.parquet')).rejects.toThrow(`cannot read trusted/orders/part-0.parquet: no such object in container "trusted" of account ${AZURITE_ACCOUNT}`);
  });

  it('surfaces what the service refuses with its error code: a container that does not exist', async () => {
    await expect(store.write('refined', 'x.csv', 'x')).rejects.toThrow(/cannot write refined\/x\.csv: HTTP 404 ContainerNotFound/);
  });
});
