import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { layerBucketsFromEnv, S3ObjectStore, type S3Sender } from '../../../../lambdas/adapters/aws/s3-object-store.ts';

const BUCKETS = { raw: 'strata-dev-raw', trusted: 'strata-dev-trusted', refined: 'strata-dev-refined', dataquality: 'strata-dev-dataquality' };

/** A stand-in for S3Client: records every command and answers from a script. AWS is never called. */
function fakeS3(answer: (command: unknown) => unknown): S3Sender & { commands: unknown[] } {
  const commands: unknown[] = [];
  return {
    commands,
    async send(command) {
      commands.push(command);
      const response = answer(command);
      if (response instanceof Error) throw response;
      return response;
    },
  };
}

describe('S3ObjectStore (AWS mocked, not called)', () => {
  it('pages through ListObjectsV2 with the continuation token, skips folder markers, sorts by key', async () => {
    const client = fakeS3((command) => {
      const { ContinuationToken } = (command as ListObjectsV2Command).input;
      if (!ContinuationToken) {
        return { IsTruncated: true, NextContinuationToken: 'page-2', Contents: [{ Key: 'landing/b.zip', Size: 20 }, { Key: 'landing/', Size: 0 }] };
      }
      return { IsTruncated: false, Contents: [{ Key: 'landing/a.csv', Size: 10 }] };
    });
    const store = new S3ObjectStore({ buckets: BUCKETS, client });

    expect(await store.list('raw', 'landing/')).toEqual([
      { key: 'landing/a.csv', sizeBytes: 10 },
      { key: 'landing/b.zip', sizeBytes: 20 },
    ]);
    expect(client.commands.map((command) => [(command as object).constructor.name, (command as ListObjectsV2Command).input])).toEqual([
      ['ListObjectsV2Command', { Bucket: 'strata-dev-raw', Prefix: 'landing/', ContinuationToken: undefined }],
      ['ListObjectsV2Command', { Bucket: 'strata-dev-raw', Prefix: 'landing/', ContinuationToken: 'page-2' }],
    ]);
  });

  it('lists an empty prefix as no objects (S3 omits Contents)', async () => {
    const store = new S3ObjectStore({ buckets: BUCKETS, client: fakeS3(() => ({ IsTruncated: false, KeyCount: 0 })) });
    expect(await store.list('trusted', 'orders/')).toEqual([]);
  });

  it('reads an object through GetObject and transformToByteArray, from the layer\'s bucket', async () => {
    const client = fakeS3(() => ({ Body: { transformToByteArray: async () => new TextEncoder().encode('a,b\n1,2\n') } }));
    const store = new S3ObjectStore({ buckets: BUCKETS, client });

    expect(new TextDecoder().decode(await store.read('refined', 'seller_daily_sales/part-0.parquet'))).toBe('a,b\n1,2\n');
    expect(client.commands[0]).toBeInstanceOf(GetObjectCommand);
    expect((client.commands[0] as GetObjectCommand).input).toEqual({ Bucket: 'strata-dev-refined', Key: 'seller_daily_sales/part-0.parquet' });
  });

  it('fails a read of a missing object naming the bucket, key and error', async () => {
    const store = new S3ObjectStore({ buckets: BUCKETS, client: fakeS3(() => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} })) });
    await expect(store.read('raw', 'landing/gone.csv')).rejects.toThrow('cannot read s3://strata-dev-raw/landing/gone.csv (raw): NoSuchKey: The specified key does not exist.');
  });

  it('writes with one PutObject, leaving encryption to the bucket default (no SSE headers)', async () => {
    const client = fakeS3(() => ({}));
    await new S3ObjectStore({ buckets: BUCKETS, client }).write('dataquality', 'rejected/ingest_date=2026-03-04/x.zip.reason.json', '{"rule":"unsafe-path"}');

    expect(client.commands).toHaveLength(1);
    expect(client.commands[0]).toBeInstanceOf(PutObjectCommand);
    expect((client.commands[0] as PutObjectCommand).input).toEqual({
      Bucket: 'strata-dev-dataquality',
      Key: 'rejected/ingest_date=2026-03-04/x.zip.reason.json',
      Body: '{"rule":"unsafe-path"}',
    });
  });

  it('deletes with DeleteObject in the layer\'s bucket', async () => {
    const client = fakeS3(() => ({}));
    await new S3ObjectStore({ buckets: BUCKETS, client }).delete('raw', 'landing/batch-1.zip');
    expect(client.commands[0]).toBeInstanceOf(DeleteObjectCommand);
    expect((client.commands[0] as DeleteObjectCommand).input).toEqual({ Bucket: 'strata-dev-raw', Key: 'landing/batch-1.zip' });
  });

  it('refuses keys that are absolute or hold ".." before sending anything', async () => {
    const client = fakeS3(() => ({}));
    const store = new S3ObjectStore({ buckets: BUCKETS, client });
    await expect(store.write('raw', '/etc/passwd', 'x')).rejects.toThrow(/must be non-empty, relative/);
    await expect(store.delete('raw', 'orders/../../x')).rejects.toThrow(/".." segments/);
    expect(client.commands).toEqual([]);
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
