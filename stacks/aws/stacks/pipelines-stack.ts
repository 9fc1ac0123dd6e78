import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { lambdaSizingFor, LAYERS, type Environment, type HandlerClass } from '../../../config/schema.ts';
import { catalogFor } from '../../../pipelines/workloads/registry.ts';
import { flowsFor, HANDLERS, type HandlerName } from '../../../pipelines/flows/index.ts';
import { trainingEngineOn } from '../../../config/training-engine.ts';
import { handlerSettings } from '../../../lambdas/handlers/handler-ports.ts';
import { acknowledgeWildcardResources } from '../acknowledge-wildcards.ts';
import { AwsNames } from '../aws-names.ts';
import { LANDING_PREFIX } from '../../../pipelines/contract/lake-layout.ts';
import type { DataLakeStorage } from '../constructs/data-lake-storage.ts';
import { MlflowTracking } from '../constructs/mlflow-tracking.ts';
import { PipelineFlow, type ManagedStepRenderer } from '../constructs/pipeline-flow.ts';
import { PipelineFunction } from '../constructs/pipeline-function.ts';
import { SageMakerTraining } from '../constructs/sagemaker-training.ts';
import { SchedulerRole } from '../constructs/scheduler-role.ts';
import type { PlatformStackProps } from './platform-stack-props.ts';

/** The handler a schedule invokes directly, asynchronously: the one function with a dead-letter queue. */
const POLLER: HandlerName = 'poll-api';

export interface PipelinesStackProps extends PlatformStackProps {
  readonly storage: DataLakeStorage;
  /** Package version + commit; handlers record it in what they register. */
  readonly platformVersion: string;
  /**
   * Renders the steps a managed engine runs (`sizing.training.engine: sagemaker`).
   * @default - every step runs its handler
   */
  readonly managedSteps?: ManagedStepRenderer;
}

/**
 * The flows: a Lambda per handler (running as its class's role from the
 * access stack), the ingest and process state machines with their schedules
 * and failure alarms, and the API poller on its own schedule.
 */
export class PipelinesStack extends Stack {
  readonly functions: Record<HandlerName, PipelineFunction>;
  readonly flows: Record<string, PipelineFlow>;
  readonly failureTopic: sns.Topic;
  /** Run outcomes people act on: the retrain flow's model summary. */
  readonly notificationTopic: sns.Topic;
  /** Encrypts notifications, dead letters, function settings, logs and the API key. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: PipelinesStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const names = new AwsNames(environment, this);
    const logRetention = environment.retention.logRetentionDays as logs.RetentionDays;

    // Alarms publish to the topic, and CloudWatch cannot use the lake key (its
    // policy lives in the storage stack), so notifications get their own key.
    const key = new kms.Key(this, 'Key', {
      alias: `alias/${names.functionPrefix('pipelines')}`,
      description: `Strata ${environment.name}: encrypts pipeline notifications, dead letters, function settings, logs and the API key`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:*` } },
      }),
    );

    this.failureTopic = new sns.Topic(this, 'FailureTopic', {
      topicName: names.functionPrefix('pipeline-failures'),
      displayName: `Strata ${environment.name} pipeline failures`,
      masterKey: key,
      enforceSSL: true,
    });
    this.notificationTopic = new sns.Topic(this, 'NotificationTopic', {
      topicName: names.functionPrefix('pipeline-notifications'),
      displayName: `Strata ${environment.name} pipeline notifications`,
      masterKey: key,
      enforceSSL: true,
    });
    this.key = key;
    const deadLetters = new sqs.Queue(this, 'DeadLetters', {
      queueName: names.functionPrefix('pipeline-dead-letters'),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const [id, reason] of Object.entries({
      'AwsSolutions-SQS3': 'This queue is the dead-letter queue of the pipeline functions and schedules.',
      'Serverless-SQSRedrivePolicy': 'This queue is the dead-letter queue of the pipeline functions and schedules; nothing redrives from it.',
    })) {
      Validations.of(deadLetters).acknowledge({ id, reason });
    }

    const catalog = catalogFor(environment.workloads);
    const apiKeySecrets = catalog.sources(environment.name).map(
      (source, index) =>
        new secretsmanager.Secret(this, `ApiKey${index}`, {
          secretName: source.apiKeySecret,
          description: `API key of the ${source.name} source; put the provider's key here after the first deploy.`,
          encryptionKey: key,
        }),
    );
    for (const secret of apiKeySecrets) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'A third-party API key is issued by its provider; Secrets Manager cannot rotate it.',
      });
      Validations.of(secret).acknowledge({
        id: 'NIST.800.53.R5-SecretsManagerRotationEnabled',
        reason: 'A third-party API key is issued by its provider; Secrets Manager cannot rotate it.',
      });
    }

    // Experiment tracking (sizing.mlflow.mode); off, runs are tracked in the lake.
    const mlflow = new MlflowTracking(this, 'MlflowTracking', { environment, key: props.storage.key });

    const settings = handlerSettings(environment, props.platformVersion);
    const functionEnvironment = {
      ...(mlflow.arn ? { STRATA_MLFLOW_ARN: mlflow.arn } : {}),
      ...Object.fromEntries(LAYERS.map((layer) => [`STRATA_BUCKET_${layer.toUpperCase()}`, names.layerBucket(layer)])),
      ...Object.fromEntries(LAYERS.map((layer) => [`STRATA_DATABASE_${layer.toUpperCase()}`, names.database(layer)])),
      STRATA_WORKGROUP: names.platformWorkgroup,
      STRATA_SETTINGS: JSON.stringify(settings),
      POWERTOOLS_METRICS_NAMESPACE: 'Strata',
    };
    // The access stack's roles, used as they are: what the functions need
    // beyond data access is granted below in one managed policy per class,
    // statement by statement, rather than by CDK's inline default policies.
    const roles = {} as Record<HandlerClass, iam.IRole>;
    const roleOf = (handlerClass: HandlerClass) =>
      (roles[handlerClass] ??= iam.Role.fromRoleName(this, `${handlerClass}Role`, names.handlerRole(handlerClass), { mutable: false }));

    const functions = {} as Record<HandlerName, PipelineFunction>;
    for (const [handler, { handlerClass, description }] of Object.entries(HANDLERS) as [HandlerName, (typeof HANDLERS)[HandlerName]][]) {
      functions[handler] = new PipelineFunction(this, handler, {
        handler,
        functionName: names.handlerFunction(handlerClass, handler),
        description: `Strata ${environment.name}: ${description}`,
        role: roleOf(handlerClass),
        sizing: lambdaSizingFor(environment, handlerClass),
        // Only the poller is invoked asynchronously (by its schedule, below); Step Functions invokes the rest synchronously.
        deadLetterQueue: handler === POLLER ? deadLetters : undefined,
        // The poller retries what a retry can fix itself (pollAttempts); Lambda's own two retries of an async call would
        // repeat a poll it refused for good (an answer over maxPollMb, bytes that are not UTF-8).
        ...(handler === POLLER ? { asyncRetryAttempts: 0 } : {}),
        key,
        logRetention,
        environment: functionEnvironment,
      });
      acknowledgeFunction(functions[handler].function);
    }
    this.functions = functions;
    for (const handlerClass of Object.keys(roles) as HandlerClass[]) {
      const policy = new iam.ManagedPolicy(this, `${handlerClass}RuntimePolicy`, {
        description: `Strata ${environment.name} ${handlerClass} handlers: tracing, ${handlerClass === HANDLERS[POLLER].handlerClass ? 'dead letters, ' : ''}encrypted settings${handlerClass === 'ingest' ? ', API keys' : ''}`,
        roles: [roles[handlerClass]],
        statements: [
          new iam.PolicyStatement({ sid: 'Tracing', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
          // Only the poller's class has a function with a dead-letter queue.
          ...(handlerClass === HANDLERS[POLLER].handlerClass ? [new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] })] : []),
          new iam.PolicyStatement({ sid: 'PipelineKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
          // A workload without HTTP sources has no key to read (and IAM refuses a statement without a resource).
          ...(handlerClass === 'ingest' && apiKeySecrets.length > 0
            ? [new iam.PolicyStatement({ sid: 'ApiKeys', actions: ['secretsmanager:GetSecretValue'], resources: apiKeySecrets.map((secret) => secret.secretArn) })]
            : []),
        ],
      });
      acknowledgeWildcardResources(policy, [{ resource: '*', reason: 'X-Ray accepts trace segments and telemetry on no narrower resource.' }]);
    }

    const trackingStatements = mlflow.trackingStatements();
    if (trackingStatements.length > 0) {
      // The ml role is the access stack's, used as it is: its MLflow access is one more managed policy.
      new iam.ManagedPolicy(this, 'mlTrackingPolicy', {
        description: `Strata ${environment.name} ml handlers: track runs in SageMaker MLflow`,
        roles: [roleOf('ml')],
        statements: trackingStatements,
      });
    }

    const lambdaFunctions = Object.fromEntries(Object.entries(functions).map(([handler, fn]) => [handler, fn.function])) as unknown as Record<HandlerName, lambda.IFunction>;
    // sizing.training.engine: sagemaker trains and scores the managed models with SageMaker XGBoost jobs.
    const training =
      trainingEngineOn(environment, 'aws') === 'sagemaker'
        ? new SageMakerTraining(this, 'SageMakerTraining', { environment, key: props.storage.key, platformVersion: props.platformVersion })
        : undefined;
    const managedSteps = props.managedSteps ?? training?.renderer(lambdaFunctions);
    this.flows = {};
    for (const flow of flowsFor(catalog)) {
      this.flows[flow.name] = new PipelineFlow(this, `${flow.name}Flow`, {
        flow,
        stateMachineName: names.functionPrefix(`${flow.name}-flow`),
        functions: lambdaFunctions,
        failureTopic: this.failureTopic,
        notificationTopic: this.notificationTopic,
        managedSteps,
        timeout: flow.name === 'retrain' ? retrainTimeout(environment) : undefined,
        schedule: environment.schedules[flow.schedule],
        landing: { bucketName: names.layerBucket('raw'), prefix: LANDING_PREFIX },
        key,
        logRetention,
        deadLetterQueue: deadLetters,
      });
    }

    // Workloads without HTTP sources have nothing to poll: no schedule wakes the poller.
    if (apiKeySecrets.length > 0) {
      const pollerRole = new SchedulerRole(this, 'PollApiScheduleRole', {
        description: `Strata ${environment.name}: the API poll schedule invokes the poller`,
        statements: [new iam.PolicyStatement({ sid: 'InvokePoller', actions: ['lambda:InvokeFunction'], resources: [functions[POLLER].function.functionArn] })],
        deadLetterQueue: deadLetters,
        key,
      });
      new scheduler.Schedule(this, 'PollApiSchedule', {
        scheduleName: names.functionPrefix(POLLER),
        description: 'Polls the HTTP JSON sources into raw (schedules.ingest in the environment file).',
        schedule: scheduler.ScheduleExpression.expression(environment.schedules.ingest),
        target: new targets.LambdaInvoke(functions[POLLER].function, { deadLetterQueue: deadLetters, retryAttempts: 0, role: pollerRole.role }),
      });
    }
  }
}

/**
 * Retraining waits on training jobs: a managed spot job may wait up to twice
 * its runtime for capacity, on top of the two hours the handler steps and
 * batch transforms get. The embedded engine's steps are Lambdas of at most 15
 * minutes each, retried.
 */
export function retrainTimeout(environment: Environment): Duration {
  const training = environment.sizing.training;
  if (trainingEngineOn(environment, 'aws') === 'embedded') return Duration.hours(4);
  return Duration.minutes(120 + training.maxRuntimeMinutes * (training.useSpot ? 2 : 1));
}

/** Findings every pipeline function shares, each with the reason it stands. */
function acknowledgeFunction(fn: lambda.IFunction): void {
  const reasons: Record<string, string> = {
    'NIST.800.53.R5-LambdaInsideVPC':
      'The handlers reach S3, Athena, Glue and Secrets Manager through AWS endpoints over TLS; a VPC adds NAT or endpoint cost without a private resource to reach.',
    'NIST.800.53.R5-LambdaConcurrency':
      'Concurrency is bounded by the flows (Map maxConcurrency) and schedules; reserving it would take it from the rest of the account.',
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(fn).acknowledge({ id, reason });
}
