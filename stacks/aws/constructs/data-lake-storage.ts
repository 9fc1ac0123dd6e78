import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LAYERS, type Environment, type Layer } from '../../../config/schema.ts';
import type { AwsNames } from '../aws-names.ts';
import { LakeBucket } from './lake-bucket.ts';

export interface DataLakeStorageProps {
  /** Lifecycle days and retention come from here. */
  readonly environment: Environment;
  /** Bucket names and the key alias. */
  readonly names: AwsNames;
}

/**
 * The four layer buckets (raw, trusted, refined, dataquality), the
 * customer-managed key that encrypts them, and the bucket that keeps their
 * access logs.
 */
export class DataLakeStorage extends Construct {
  readonly key: kms.Key;
  readonly accessLogBucket: s3.Bucket;
  readonly layers: Record<Layer, s3.Bucket>;

  constructor(scope: Construct, id: string, props: DataLakeStorageProps) {
    super(scope, id);
    const { environment, names } = props;

    this.key = new kms.Key(this, 'Key', {
      alias: names.keyAlias,
      description: `Strata ${environment.name}: encrypts the data lake, query results and logs`,
      enableKeyRotation: true,
    });
    // Log groups (the flows') are encrypted with the same key.
    const region = Stack.of(this).region;
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Stack.of(this).partition}:logs:${region}:${Stack.of(this).account}:*` },
        },
      }),
    );

    // S3 server access logging cannot deliver to a bucket encrypted with a
    // customer-managed key, so this one bucket uses S3-managed keys.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      bucketName: names.accessLogBucket,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(environment.storage.accessLogExpireDays) }],
    });
    acknowledgeAccessLogBucket(this.accessLogBucket);
    // The query results bucket lives in the analytics stack, which cannot edit this bucket's policy.
    this.accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsFromQueryResults',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogBucket.arnForObjects(`${names.queryResultsAccessLogPrefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Stack.of(this).partition}:s3:::${names.queryResultsBucket}` },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );

    const layers = {} as Record<Layer, s3.Bucket>;
    for (const layer of LAYERS) {
      layers[layer] = new LakeBucket(this, pascal(layer), {
        bucketName: names.layerBucket(layer),
        encryptionKey: this.key,
        accessLogBucket: this.accessLogBucket,
        accessLogPrefix: `${layer}/`,
        lifecycle: environment.storage.lifecycle[layer],
        versioned: layer === 'raw',
        // Drops landing in raw start the ingest flow (a rule of the pipelines stack).
        sendsEventsToEventBridge: layer === 'raw',
        noncurrentVersionExpireDays: environment.storage.rawNoncurrentVersionExpireDays,
      }).bucket;
    }
    this.layers = layers;
  }
}

function acknowledgeAccessLogBucket(bucket: s3.Bucket): void {
  const acknowledgements: Record<string, string> = {
    'AwsSolutions-S1': 'This is the access-log destination; logging it into itself would loop.',
    'NIST.800.53.R5-S3BucketLoggingEnabled': 'This is the access-log destination; logging it into itself would loop.',
    'NIST.800.53.R5-S3DefaultEncryptionKMS': 'S3 server access logging only delivers to buckets encrypted with S3-managed keys (SSE-S3).',
    'NIST.800.53.R5-S3BucketReplicationEnabled': 'Access logs are an audit aid with a fixed expiry; replicating them doubles their cost.',
    'NIST.800.53.R5-S3BucketVersioningEnabled': 'Log objects are written once and never overwritten; versioning adds nothing.',
  };
  for (const [id, reason] of Object.entries(acknowledgements)) Validations.of(bucket).acknowledge({ id, reason });
}

function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
