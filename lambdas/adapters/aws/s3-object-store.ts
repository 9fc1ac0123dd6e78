import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { LAYERS, type Layer } from '../../../config/schema.ts';
import type { ObjectStore, StoredObject } from '../../ports/object-store.ts';

/** One bucket per layer, as the AWS storage stack creates them. */
export type LayerBuckets = Readonly<Record<Layer, string>>;

/** The environment variables the stacks set on every handler, one per layer. */
export const BUCKET_ENV_VARS: Readonly<Record<Layer, string>> = {
  raw: 'STRATA_BUCKET_RAW',
  trusted: 'STRATA_BUCKET_TRUSTED',
  refined: 'STRATA_BUCKET_REFINED',
  dataquality: 'STRATA_BUCKET_DATAQUALITY',
};

/** Bucket names from STRATA_BUCKET_*; fails naming every variable that is missing or empty. */
export function layerBucketsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LayerBuckets {
  const missing = LAYERS.filter((layer) => !env[BUCKET_ENV_VARS[layer]]);
  if (missing.length > 0) {
    throw new Error(`S3ObjectStore: environment variable(s) ${missing.map((layer) => BUCKET_ENV_VARS[layer]).join(', ')} not set; each names the bucket of one lake layer`);
  }
  return Object.fromEntries(LAYERS.map((layer) => [layer, env[BUCKET_ENV_VARS[layer]]!])) as Record<Layer, string>;
}

type S3Command = ListObjectsV2Command | GetObjectCommand | HeadObjectCommand | PutObjectCommand | DeleteObjectCommand;

/** The part of S3Client this adapter uses; contract tests pass a fake that records commands. */
export interface S3Sender {
  send(command: S3Command): Promise<unknown>;
}

const byKey = (a: StoredObject, b: StoredObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The lake on S3: layer -> bucket, key -> object key. Encryption is the
 * buckets' default (SSE-KMS with the platform key), so requests carry no
 * encryption headers and cannot downgrade it.
 */
export class S3ObjectStore implements ObjectStore {
  readonly buckets: LayerBuckets;
  private readonly client: S3Sender;

  /** `client` defaults to an S3Client with the default credential chain and region. */
  constructor(options: { readonly buckets: LayerBuckets; readonly client?: S3Sender }) {
    this.buckets = options.buckets;
    this.client = options.client ?? new S3Client({});
  }

  /** The usual wiring in a Lambda: buckets from STRATA_BUCKET_*, the default S3Client. */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): S3ObjectStore {
    return new S3ObjectStore({ buckets: layerBucketsFromEnv(env) });
  }

  async list(layer: Layer, prefix: string): Promise<StoredObject[]> {
    const bucket = this.buckets[layer];
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = (await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))) as ListObjectsV2CommandOutput;
      for (const object of page.Contents ?? []) {
        // Keys ending in "/" are the console's folder markers, not objects.
        if (object.Key && !object.Key.endsWith('/')) found.push({ key: object.Key, sizeBytes: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 already lists in UTF-8 byte order; sorting keeps the port's contract whatever the service does.
    return found.sort(byKey);
  }

  async read(layer: Layer, key: string): Promise<Uint8Array> {
    const bucket = this.buckets[layer];
    try {
      const object = (await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: checkedKey(key) }))) as GetObjectCommandOutput;
      if (!object.Body) throw new Error('no body in the response');
      return await object.Body.transformToByteArray();
    } catch (error) {
      throw new Error(`S3ObjectStore: cannot read s3://${bucket}/${key} (${layer}): ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** PutObject is atomic: an object is visible whole or not at all. */
  async exists(layer: Layer, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.buckets[layer], Key: checkedKey(key) }));
      return true;
    } catch (error) {
      // A HEAD has no body: a missing object is a bare 404, which the SDK names NotFound.
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw new Error(`S3ObjectStore: cannot check s3://${this.buckets[layer]}/${key} (${layer}): ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
  }

  async write(layer: Layer, key: string, body: Uint8Array | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.buckets[layer], Key: checkedKey(key), Body: body }));
  }

  async create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.buckets[layer], Key: checkedKey(key), Body: body, IfNoneMatch: '*' }));
        return true;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412) return false;
        // 409 ConditionalRequestConflict: another conditional write of the key was in flight; S3 asks for a retry.
        if (status !== 409 || attempt === 3) throw error;
      }
    }
  }

  async delete(layer: Layer, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.buckets[layer], Key: checkedKey(key) }));
  }
}

/** The same rule the folder adapter enforces, so a key that fails locally fails on AWS too. */
function checkedKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..')) {
    throw new Error(`S3ObjectStore: object key "${key}" must be non-empty, relative and must not contain ".." segments`);
  }
  return key;
}
