import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AwsNames } from '../aws-names.ts';
import { DataLakeStorage } from '../constructs/data-lake-storage.ts';
import type { PlatformStackProps } from './platform-stack-props.ts';

/** Storage layers: the four layer buckets, their key and their access logs. */
export class StorageStack extends Stack {
  readonly storage: DataLakeStorage;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.storage = new DataLakeStorage(this, 'Lake', { environment: props.environment, names: new AwsNames(props.environment, this) });
  }
}
