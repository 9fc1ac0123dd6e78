import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerBucketsFromEnv, S3ObjectStore } from '../../../../lambdas/adapters/aws/s3-object-store.ts';
import { useMotoServer } from '../../../support/moto-server.ts';

const BUCKETS = { raw: 'strata-dev-raw', trusted: 'strata-dev-trusted', refined: 'strata-dev-refined', dataquality: 'strata-dev-dataquality' };
const moto = useMotoServer();

describe('S3ObjectStore against moto_server (the real SDK over HTTP on 127.0.0.1)', () => {
  let client: S3Client;
  let store: S3ObjectStore;
  beforeAll(async () => {
    client = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    for (const bucket of Object.values(BUCKETS)) await client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    store = new S3ObjectStore({ buckets: BUCKETS, client });
  });

  it('writes, reads and deletes an object in the layer\'s bucket, bytes or text', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await store.write('refined', 'seller_daily_sales/part-0.parquet', bytes);
    await store.write('dataquality', 'rejected/ingest_date=2026-03-04/x.zip.reason.json', '{"rule":"unsafe-path"}');

    expect(await store.read('refined', 'seller_daily_sales/part-0.parquet')).toEqual(bytes);
    const direct = await client.send(new GetObjectCommand({ Bucket: 'strata-dev-dataquality', Key: 'rejected/ingest_date=2026-03-04/x.zip.reason.json' }));
    expect(await direct.Body!.transformToString()).toBe('{"rule":"unsafe-path"}');
    await store.delete('refined', 'seller_daily_sales/part-0.parquet');
    expect(await store.list('refined', 'seller_daily_sales/')).toEqual([]);
  });

  it('lists every object under a prefix across pages, sorted by key, without folder markers', async () => {
    // S3 pages at 1,000 keys; pages of 4 (MaxKeys, which moto honours) make the same continuation happen over 10 keys.
    const pages: (string | undefined)[] = [];
    const paging = new S3ObjectStore({
      buckets: BUCKETS,
      client: {
        send: (command) => {
          if (command instanceof ListObjectsV2Command) {
            Object.assign(command.input, { MaxKeys: 4 });
            pages.push(command.input.ContinuationToken);
          }
          return client.send(command as PutObjectCommand);
        },
      },
    });
    const keys = Array.from({ length: 10 }, (_, i) => `landing/batch-${String(i).padStart(4, '0')}.csv`);
    await Promise.all([...keys].reverse().map((key) => store.write('raw', key, 'a\n')));
    await client.send(new PutObjectCommand({ Bucket: 'strata-dev-raw', Key: 'landing/', Body: '' }));
    await store.write('raw', 'orders/elsewhere.csv', 'x');

    const listed = await paging.list('raw', 'landing/');
    expect(pages).toHaveLength(3);
    expect(pages[0]).toBeUndefined();
    expect(pages.slice(1).every((token) => typeof token === 'string' && token.length > 0)).toBe(true);
    expect(listed).toHaveLength(10);
    expect(listed.map((object) => object.key)).toEqual(keys);
    expect(listed[0]).toEqual({ key: keys[0], sizeBytes: 2 });
  });

  it('tells whether an object is at exactly a key, with one HEAD: not a longer key, not a folder', async () => {
    await store.write('raw', 'received/orders/0123456789ab.json', '{}');
    expect(await store.exists('raw', 'received/orders/0123456789ab.json')).toBe(true);
    expect(await store.exists('raw', 'received/orders/0123456789a')).toBe(false);
    expect(await store.exists('raw', 'received/orders')).toBe(false);
    expect(await store.exists('trusted', 'received/orders/0123456789ab.json')).toBe(false);
  });

  it('leaves encryption to the bucket default: a write carries no SSE parameters that could downgrade it', async () => {
    const sent: Record<string, unknown>[] = [];
    const recording = new S3ObjectStore({ buckets: BUCKETS, client: { send: (command) => (sent.push({ ...(command as PutObjectCommand).input }), client.send(command as PutObjectCommand)) } });
    await recording.write('refined', 'seller_daily_sales/_table.json', '{}');
    expect(Object.keys(sent[0]!).sort()).toEqual(['Body', 'Bucket', 'Key']);
  });

  it('creates an object only where none is (If-None-Match): the first writer wins, a later one is told', async () => {
    expect(await store.create('raw', 'received/sellers/0123456789ab.json', 'first')).toBe(true);
    expect(await store.create('raw', 'received/sellers/0123456789ab.json', 'second')).toBe(false);
    expect(new TextDecoder().decode(await store.read('raw', 'received/sellers/0123456789ab.json'))).toBe('first');
  });

  it('lists a prefix with nothing under it as no objects', async () => {
    expect(await store.list('trusted', 'orders/')).toEqual([]);
  });

  it('fails a read of a missing object naming the bucket, key and error', async () => {
    await expect(store.read('raw', 'landing/gone.csv')).rejects.toThrow(/cannot read s3:\/\/strata-dev-raw\/landing\/gone\.csv \(raw\): NoSuchKey: /);
  });

  it('refuses keys that are absolute or hold ".." before sending anything', async () => {
    const sent: unknown[] = [];
    const recording = new S3ObjectStore({ buckets: BUCKETS, client: { send: async (command) => sent.push(command) } });
    await expect(recording.write('raw', '/etc/passwd', 'x')).rejects.toThrow(/must be non-empty, relative/);
    await expect(recording.delete('raw', 'orders/../../x')).rejects.toThrow(/".." segments/);
    expect(sent).toEqual([]);
  });
});

describe('layerBucketsFromEnv', () => {
  it('reads one bucket per layer from STRATA_BUCKET_*', () => {
    expect(
      layerBucketsFromEnv({
        STRATA_BUCKET_RAW: 'r',
        STRATA_BUCKET_TRUSTED: 't',
        STRATA_BUCKET_REFINED: 'f',
        STRATA_BUCKET_DATAQUALITY: 'q',
      }),
    ).toEqual({ raw: 'r', trusted: 't', refined: 'f', dataquality: 'q' });
  });

  it('fails naming every missing or empty variable', () => {
    expect(() => layerBucketsFromEnv({ STRATA_BUCKET_RAW: 'r', STRATA_BUCKET_TRUSTED: '' })).toThrow(
      'environment variable(s) STRATA_BUCKET_TRUSTED, STRATA_BUCKET_REFINED, STRATA_BUCKET_DATAQUALITY not set',
    );
  });
});
