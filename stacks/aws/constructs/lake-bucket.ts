import { Duration, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LayerLifecycle } from '../../../config/schema.ts';

export interface LakeBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Customer-managed key that encrypts every object. */
  readonly encryptionKey: kms.IKey;
  /** Bucket that receives this bucket's S3 server access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Prefix of this bucket's logs in the access-log bucket, e.g. `raw/`. */
  readonly accessLogPrefix: string;
  /** Tiering and expiry of current objects. */
  readonly lifecycle: LayerLifecycle;
  /**
   * Keep every version of every object. The raw layer is the system of record
   * (everything downstream is rebuilt from it), so it is versioned.
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * Days an overwritten or deleted version is kept; only used when `versioned`.
   * @default 30
   */
  readonly noncurrentVersionExpireDays?: number;
  /**
   * Why an unversioned bucket needs no versioning (the cdk-nag acknowledgement's reason).
   * @default - a derived layer, rebuilt from the versioned raw layer
   */
  readonly unversionedReason?: string;
  /**
   * Sends the bucket's object events to EventBridge (the default bus), where rules start flows on them.
   * @default false
   */
  readonly sendsEventsToEventBridge?: boolean;
}

/**
 * A bucket of the data lake: KMS-encrypted with the platform key (S3 Bucket
 * Keys on, so KMS requests stay cheap), TLS 1.2+ only, no public access,
 * server access logs, lifecycle from the environment file.
 */
export class LakeBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);
    const versioned = props.versioned ?? false;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: props.accessLogPrefix,
      lifecycleRules: lifecycleRules(props.lifecycle, versioned ? (props.noncurrentVersionExpireDays ?? 30) : undefined),
    });
    if (props.sendsEventsToEventBridge ?? false) {
      // CloudFormation's own property, not s3.Bucket's eventBridgeEnabled, which adds a custom-resource Lambda to set it.
      (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }

    Validations.of(this.bucket).acknowledge({
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason: 'Cross-region replication doubles storage cost; durability comes from S3 (11 nines) and raw is versioned. Add replication per environment if a recovery-region objective demands it.',
    });
    if (!versioned) {
      Validations.of(this.bucket).acknowledge({
        id: 'NIST.800.53.R5-S3BucketVersioningEnabled',
        reason:
          props.unversionedReason ??
          'Derived layer: every object is rebuilt from the versioned raw layer, and versioning would keep a copy of every rewritten partition.',
      });
    }
  }
}

function lifecycleRules(lifecycle: LayerLifecycle, noncurrentVersionExpireDays: number | undefined): s3.LifecycleRule[] {
  const rules: s3.LifecycleRule[] = [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }];
  if (lifecycle.coolAfterDays !== undefined || lifecycle.expireAfterDays !== undefined) {
    rules.push({
      id: 'layer-lifecycle',
      transitions:
        lifecycle.coolAfterDays === undefined
          ? undefined
          : [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(lifecycle.coolAfterDays) }],
      expiration: lifecycle.expireAfterDays === undefined ? undefined : Duration.days(lifecycle.expireAfterDays),
    });
  }
  if (noncurrentVersionExpireDays !== undefined) {
    rules.push({ id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(noncurrentVersionExpireDays) });
  }
  return rules;
}
