import * as athena from 'aws-cdk-lib/aws-athena';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface QueryWorkgroupProps {
  readonly workgroupName: string;
  readonly description: string;
  /** Bucket for query results. */
  readonly resultsBucket: s3.IBucket;
  /** Prefix of this workgroup's results in the bucket (AwsNames.queryResultsPrefix). */
  readonly resultsPrefix: string;
  /** Encrypts query results (SSE-KMS). */
  readonly key: kms.IKey;
  /** Athena cancels a query that scans more than this. */
  readonly bytesScannedCutoffMb: number;
  /**
   * Let `cdk destroy` delete the workgroup together with its saved queries and history.
   * @default false
   */
  readonly destroyOnDelete?: boolean;
}

/**
 * An Athena workgroup on engine v3 whose settings (result location,
 * encryption, scan cut-off) clients cannot override.
 */
export class QueryWorkgroup extends Construct {
  readonly workgroup: athena.CfnWorkGroup;
  readonly resultsPrefix: string;

  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    this.resultsPrefix = props.resultsPrefix;
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workgroupName,
      description: props.description,
      state: 'ENABLED',
      recursiveDeleteOption: props.destroyOnDelete ?? false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1024 * 1024,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${this.resultsPrefix}`,
          // No ACL option: buckets enforce bucket-owner ownership, and an ACL header
          // would make every result write need s3:PutObjectAcl.
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });
  }
}
