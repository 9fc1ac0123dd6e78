import { App, RemovalPolicies, RemovalPolicy, Tags, Validations, type Environment as CdkEnvironment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { Environment } from '../../config/schema.ts';
import { platformTags, resourceName } from '../shared/naming.ts';
import { AccessStack } from './stacks/access-stack.ts';
import { AnalyticsStack } from './stacks/analytics-stack.ts';
import { CatalogStack } from './stacks/catalog-stack.ts';
import { PipelinesStack } from './stacks/pipelines-stack.ts';
import { StorageStack } from './stacks/storage-stack.ts';
import { withSynthProgress } from '../shared/synth-progress.ts';

/**
 * Context every synth runs with, whether `cdk` or `strata` starts it.
 * No stack traces: they hold absolute paths and break reproducible output
 * (the `cdk` CLI sets the first itself; a direct run must too). Server access
 * logs are granted by bucket policy, not by the legacy log-delivery ACL.
 * Cross-stack references stay strong (CloudFormation exports, CDK's behaviour
 * when unset, said explicitly so synth does not warn): the storage stack's
 * lake and key cannot be deleted while the stacks that read them exist.
 */
export const APP_CONTEXT = {
  'aws:cdk:disable-stack-trace': true,
  'aws:cdk:disable-creation-stack-traces': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
} as const;

/** CloudFormation types that hold data or protect it: retained on delete unless the environment opts in. */
export const STATEFUL_RESOURCE_TYPES = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Logs::LogGroup',
] as const;

export interface PlatformStacks {
  readonly storage: StorageStack;
  readonly catalog: CatalogStack;
  readonly analytics: AnalyticsStack;
  readonly access: AccessStack;
  readonly pipelines: PipelinesStack;
}

export interface AwsAppOptions {
  /** @default - what the `cdk` CLI asks for (CDK_OUTDIR), else `cdk.out` */
  readonly outdir?: string;
  /**
   * Also check every template against the CloudFormation resource schemas
   * (aws-cdk-lib's built-in validation plugin), with errors fatal. It costs
   * about two seconds per synth and can only downgrade to warnings in a normal
   * run, so the test suite runs it and `strata synth` does not.
   * @default false
   */
  readonly cloudFormationSchemaValidation?: boolean;
  /**
   * Bundle the Lambda code with esbuild. Off, functions get a placeholder
   * asset: the templates, state machine definitions included, are otherwise
   * the same, which is all tests and the local runner need.
   * @default true
   */
  readonly bundle?: boolean;
}

/** Creates an app whose synth output is reproducible. */
export function createAwsApp(options: AwsAppOptions = {}): App {
  const schemaValidation = options.cloudFormationSchemaValidation ?? false;
  const bundle = options.bundle ?? true;
  return new App({
    outdir: options.outdir,
    analyticsReporting: false,
    stackTraces: false,
    builtinCloudFormationValidation: schemaValidation,
    context: {
      ...APP_CONTEXT,
      ...(schemaValidation ? { '@aws-cdk/core:validateAgainstDefaultRules': true } : {}),
      // No stack is bundled; an explicit empty list, since an absent key means all of them.
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
}

/**
 * Adds the platform's stacks (one per concern) to an app, registers the
 * cdk-nag packs, and applies tags and removal policies everywhere.
 */
export function addPlatform(app: App, environment: Environment, version: string): PlatformStacks {
  // aws-cdk-lib 2.276 records a call stack with every acknowledgement whatever
  // the context says, and call stacks hold this machine's absolute paths. With
  // no frames to capture, metadata stays reproducible. Errors still carry
  // their message and the construct path they relate to.
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return buildPlatform(app, environment, version);
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
}

function buildPlatform(app: App, environment: Environment, version: string): PlatformStacks {
  const cdkEnvironment: CdkEnvironment = { account: environment.aws.account, region: environment.aws.region };
  const common = { environment, env: cdkEnvironment };
  const name = (concern: string) => resourceName(environment, concern);
  const built = <T>(concern: string, build: () => T): T => withSynthProgress(undefined, `built stack ${name(concern)}`, build);

  const storage = built('storage', () => new StorageStack(app, name('storage'), { ...common, description: `Strata ${environment.name}: data lake storage layers` }));
  const catalog = built('catalog', () => new CatalogStack(app, name('catalog'), {
    ...common,
    storage: storage.storage,
    description: `Strata ${environment.name}: Glue catalog, declared tables`,
  }));
  const analytics = built('analytics', () => new AnalyticsStack(app, name('analytics'), {
    ...common,
    storage: storage.storage,
    description: `Strata ${environment.name}: Athena workgroups`,
  }));
  const access = built('access', () => new AccessStack(app, name('access'), {
    ...common,
    storage: storage.storage,
    description: `Strata ${environment.name}: handler and BI roles`,
  }));
  // Stacks refer to each other by name (AwsNames), so the deploy order is stated, not inferred.
  access.addStackDependency(catalog);
  access.addStackDependency(analytics);
  const pipelines = built('pipelines', () => new PipelinesStack(app, name('pipelines'), {
    ...common,
    storage: storage.storage,
    platformVersion: version,
    description: `Strata ${environment.name}: ingest, process and retrain flows, their functions, schedules and alarms`,
  }));
  // The functions run as the access stack's roles, which it names.
  pipelines.addStackDependency(access);

  for (const [key, value] of Object.entries(platformTags(environment, version))) Tags.of(app).add(key, value);
  RemovalPolicies.of(app).apply(environment.retention.destroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN, {
    applyToResourceTypes: [...STATEFUL_RESOURCE_TYPES],
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app), new NIST80053R5Checks(app));

  return { storage, catalog, analytics, access, pipelines };
}
