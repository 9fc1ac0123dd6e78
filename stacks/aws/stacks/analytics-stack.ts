import { Annotations, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AwsNames } from '../aws-names.ts';
import type { DataLakeStorage } from '../constructs/data-lake-storage.ts';
import { LakeBucket } from '../constructs/lake-bucket.ts';
import { QueryWorkgroup } from '../constructs/query-workgroup.ts';
import type { PlatformStackProps } from './platform-stack-props.ts';

export interface AnalyticsStackProps extends PlatformStackProps {
  readonly storage: DataLakeStorage;
}

/** Query engine: Athena workgroups for the platform and for BI, and their results bucket. */
export class AnalyticsStack extends Stack {
  readonly resultsBucket: s3.Bucket;
  readonly platformWorkgroup: QueryWorkgroup;
  readonly biWorkgroup: QueryWorkgroup;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { environment, storage } = props;
    const names = new AwsNames(environment, this);
    const accessLogs = s3.Bucket.fromBucketName(this, 'AccessLogs', names.accessLogBucket);

    this.resultsBucket = new LakeBucket(this, 'QueryResults', {
      bucketName: names.queryResultsBucket,
      encryptionKey: storage.key,
      accessLogBucket: accessLogs,
      accessLogPrefix: names.queryResultsAccessLogPrefix,
      lifecycle: { expireAfterDays: environment.analytics.resultsExpireDays },
      unversionedReason: 'Query results are disposable outputs, expired after days and reproducible by re-running the query.',
    }).bucket;
    // CDK cannot add the log-delivery grant to a bucket it only knows by name; the bucket's own stack grants it.
    Annotations.of(this.resultsBucket).acknowledgeWarning(
      '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      'The access-log bucket policy in the storage stack grants logging.s3.amazonaws.com delivery from this bucket (S3ServerAccessLogsFromQueryResults).',
    );

    const common = {
      resultsBucket: this.resultsBucket,
      key: storage.key,
      destroyOnDelete: environment.retention.destroyOnDelete,
    };
    this.platformWorkgroup = new QueryWorkgroup(this, 'PlatformWorkgroup', {
      ...common,
      workgroupName: names.platformWorkgroup,
      resultsPrefix: names.queryResultsPrefix(names.platformWorkgroup),
      description: `Strata ${environment.name}: pipeline queries`,
      bytesScannedCutoffMb: environment.analytics.bytesScannedCutoffMb,
    });
    this.biWorkgroup = new QueryWorkgroup(this, 'BiWorkgroup', {
      ...common,
      workgroupName: names.biWorkgroup,
      resultsPrefix: names.queryResultsPrefix(names.biWorkgroup),
      description: `Strata ${environment.name}: BI queries over the refined layer`,
      bytesScannedCutoffMb: environment.analytics.biBytesScannedCutoffMb,
    });
  }
}
