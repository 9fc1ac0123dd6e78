import { AssetHashType, DockerImage, Duration, Tags, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { cpSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LambdaSizing } from '../../../config/schema.ts';
import { HANDLERS, type HandlerName } from '../../../pipelines/flows/index.ts';
import { lambdaBundleOf } from '../lambda-bundles.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Cost allocation tag: the handler class (pipelines/flows HANDLERS) a function and its log group belong to. */
export const HANDLER_CLASS_TAG = 'strata:handler-class';

export interface PipelineFunctionProps {
  /** The handler it runs: `lambdas/entrypoints/aws/<handler>.ts`. */
  readonly handler: HandlerName;
  readonly functionName: string;
  readonly description: string;
  /** The handler class's role (least privilege per class, from pipelines/access.ts). */
  readonly role: iam.IRole;
  readonly sizing: LambdaSizing;
  /**
   * Where failed asynchronous invocations land: give one to a function a
   * schedule or an event invokes. A dead-letter queue never receives a failed
   * synchronous invocation (Step Functions' tasks), so those functions get
   * none: their failures are the flow's Retry, Catch and failure topic.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Retries Lambda makes of a failed asynchronous invocation (0 to 2).
   * @default 2 - Lambda's own
   */
  readonly asyncRetryAttempts?: number;
  /** Encrypts the log group and the environment variables. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly environment: Record<string, string>;
}

/**
 * One handler as a Lambda: its code from the one esbuild build of every
 * handler (lambda-bundles.ts; Node 24, the AWS SDK v3 from the runtime), traced with X-Ray, JSON logs into its own
 * encrypted log group, and a dead-letter queue when invoked asynchronously. Tagged with its handler
 * class, so cost reports can group functions the way sizing does.
 */
export class PipelineFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    // On the construct: the function and its log group.
    Tags.of(this).add(HANDLER_CLASS_TAG, HANDLERS[props.handler].handlerClass);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      encryptionKey: props.key,
      retention: props.logRetention,
    });
    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      code: bundledCodeOf(props.handler),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.sizing.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      memorySize: props.sizing.memoryMb,
      timeout: Duration.seconds(props.sizing.timeoutSeconds),
      role: props.role,
      environment: { ...props.environment, STRATA_HANDLER: props.handler, POWERTOOLS_SERVICE_NAME: props.functionName },
      environmentEncryption: props.key,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.asyncRetryAttempts === undefined ? {} : { retryAttempts: props.asyncRetryAttempts }),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    if (props.asyncRetryAttempts !== undefined && props.deadLetterQueue) {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaAsyncFailureDestination',
        reason: 'A failed asynchronous invocation goes to the function\'s dead-letter queue (DeadLetterConfig); the invoke config only sets the retries.',
      });
    }
    if (!props.deadLetterQueue) {
      for (const id of ['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ']) {
        Validations.of(this.function).acknowledge({
          id,
          reason: 'Invoked synchronously only (Step Functions tasks): a dead-letter queue receives failed asynchronous invocations, so it would never receive anything; the flow retries, catches and notifies.',
        });
      }
    }
  }
}

/**
 * A handler's code as an asset CDK "bundles" by copying the prebuilt folder:
 * so the stacks CDK is told not to bundle (`aws:cdk:bundling-stacks`, the
 * tests' fast synths) get a placeholder and build nothing, exactly as with
 * NodejsFunction. The hash is of the output, so it changes with the code or
 * the SQL and with nothing else. The handler is in `command` because CDK
 * caches assets by their source and bundling options.
 */
function bundledCodeOf(handler: HandlerName): lambda.Code {
  return lambda.Code.fromAsset(join(REPO_ROOT, 'lambdas', 'entrypoints', 'aws'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds.
      image: DockerImage.fromRegistry('strata-prebuilt-lambda-bundle'),
      command: ['copy-prebuilt-bundle', handler],
      local: {
        tryBundle(outputDir: string): boolean {
          cpSync(lambdaBundleOf(handler), outputDir, { recursive: true });
          return true;
        },
      },
    },
  });
}
