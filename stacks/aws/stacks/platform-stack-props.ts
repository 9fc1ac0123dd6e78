import type { StackProps } from 'aws-cdk-lib';
import type { Environment } from '../../../config/schema.ts';

export interface PlatformStackProps extends StackProps {
  /** The validated environment file. */
  readonly environment: Environment;
}
