import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LAYERS, type Layer } from '../../config/schema.ts';
import type { AwsNames } from './aws-names.ts';

/**
 * The layer buckets as seen from another stack: referenced by name (see
 * AwsNames), with the platform key so grants and tables know how they are encrypted.
 */
export function referenceLayerBuckets(scope: Construct, names: AwsNames, key: kms.IKey): Record<Layer, s3.IBucket> {
  const container = new Construct(scope, 'LayerBuckets');
  return Object.fromEntries(
    LAYERS.map((layer) => [layer, s3.Bucket.fromBucketAttributes(container, layer, { bucketName: names.layerBucket(layer), encryptionKey: key })]),
  ) as Record<Layer, s3.IBucket>;
}
