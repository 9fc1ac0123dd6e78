import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Environment, Layer } from '../../config/schema.ts';
import { resourceName } from '../shared/naming.ts';

/**
 * Names of the AWS resources stacks share, derived from the environment.
 * Stacks refer to each other's buckets, databases and workgroups by these
 * names rather than by CloudFormation exports: an export in use cannot be
 * changed, which would freeze the storage stack; names also keep IAM
 * resource patterns readable in a pull request. The one export is the
 * lake key's ARN, which has no name to derive (an alias cannot scope a
 * key grant without a wildcard).
 */
export class AwsNames {
  private readonly account: string;
  private readonly region: string;

  constructor(
    private readonly environment: Environment,
    scope: IConstruct,
  ) {
    // Bucket names are global: account and region make them unique per deployment.
    this.account = Stack.of(scope).account;
    this.region = Stack.of(scope).region;
  }

  layerBucket(layer: Layer): string {
    return this.bucket(layer);
  }

  get queryResultsBucket(): string {
    return this.bucket('athena-results');
  }

  get accessLogBucket(): string {
    return this.bucket('access-logs');
  }

  /** Where the access-log bucket keeps the query results bucket's logs (its policy grants delivery there only). */
  get queryResultsAccessLogPrefix(): string {
    return 'athena-results/';
  }

  /** Glue and Athena dislike dashes in database names: `strata_<env>_<layer>`. */
  database(layer: Layer): string {
    return `strata_${this.environment.name}_${layer}`;
  }

  get platformWorkgroup(): string {
    return resourceName(this.environment);
  }

  get biWorkgroup(): string {
    return resourceName(this.environment, 'bi');
  }

  /** Where a workgroup's query results go in the results bucket; its IAM grants use the same prefix. */
  queryResultsPrefix(workgroupName: string): string {
    return `${workgroupName}/`;
  }

  get keyAlias(): string {
    return `alias/${resourceName(this.environment, 'lake')}`;
  }

  /** The role a handler class's functions run as; named so the pipelines stack can use it without an export. */
  handlerRole(handlerClass: string): string {
    return resourceName(this.environment, `${handlerClass}-handler`);
  }

  /** A handler's function: under its class's prefix, so the class's log grants cover it. */
  handlerFunction(handlerClass: string, handler: string): string {
    return `${this.functionPrefix(handlerClass)}-${handler}`;
  }

  /** Prefix of the Lambda functions of a handler class (and so of their log groups). */
  functionPrefix(handlerClass: string): string {
    return resourceName(this.environment, handlerClass);
  }

  private bucket(purpose: string): string {
    return `${resourceName(this.environment, purpose)}-${this.account}-${this.region}`;
  }
}
