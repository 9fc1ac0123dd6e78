import { ArnFormat, Duration, Size, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Environment } from '../../../config/schema.ts';
import { NON_RETRYABLE_ERRORS, type HandlerName, type TaskStep } from '../../../pipelines/flows/index.ts';
import { pascalCase, type ModelDefinition, type ModelName } from '../../../pipelines/models/index.ts';
import { catalogFor } from '../../../pipelines/workloads/registry.ts';
import { managedModels, xgboostHyperparameters } from '../../../lambdas/ml/managed-xgboost.ts';
import { runPrefix } from '../../../lambdas/ml/model-artifacts.ts';
import { platformTags, resourceName } from '../../shared/naming.ts';
import { acknowledgeWildcardResources, type WildcardResource } from '../acknowledge-wildcards.ts';
import { AwsNames } from '../aws-names.ts';
import type { ManagedRendering, ManagedStepRenderer } from './pipeline-flow.ts';

/** SageMaker's built-in XGBoost, the version every environment trains and scores with. */
export const XGBOOST_VERSION = '1.7-1';
const XGBOOST_REPOSITORY = 'sagemaker-xgboost';

/**
 * The ECR account that serves the built-in XGBoost 1.7-1 image, per region:
 * the `training` registries of XGBoost 1.7-1 in the SageMaker Python SDK's
 * src/sagemaker/image_uri_config/xgboost.json (inference uses the same
 * accounts). ISO partitions are left out: the environment schema does not
 * accept their region names.
 */
export const XGBOOST_REGISTRIES: Readonly<Record<string, string>> = {
  'af-south-1': '510948584623',
  'ap-east-1': '651117190479',
  'ap-northeast-1': '354813040037',
  'ap-northeast-2': '366743142698',
  'ap-northeast-3': '867004704886',
  'ap-south-1': '720646828776',
  'ap-south-2': '628508329040',
  'ap-southeast-1': '121021644041',
  'ap-southeast-2': '783357654285',
  'ap-southeast-3': '951798379941',
  'ap-southeast-4': '106583098589',
  'ca-central-1': '341280168497',
  'ca-west-1': '190319476487',
  'cn-north-1': '450853457545',
  'cn-northwest-1': '451049120500',
  'eu-central-1': '492215442770',
  'eu-central-2': '680994064768',
  'eu-north-1': '662702820516',
  'eu-south-1': '978288397137',
  'eu-south-2': '104374241257',
  'eu-west-1': '141502667606',
  'eu-west-2': '764974769150',
  'eu-west-3': '659782779980',
  'il-central-1': '898809789911',
  'me-central-1': '272398656194',
  'me-south-1': '801668240914',
  'sa-east-1': '737474898029',
  'us-east-1': '683313688378',
  'us-east-2': '257758044811',
  'us-gov-east-1': '237065988967',
  'us-gov-west-1': '414596584902',
  'us-west-1': '746614075791',
  'us-west-2': '246618743249',
};

export interface XgboostImage {
  /** `<account>.dkr.ecr.<region>.<suffix>/sagemaker-xgboost:1.7-1`. */
  readonly uri: string;
  /** The ECR account that owns the image's repository. */
  readonly account: string;
  readonly repository: string;
}

/** The built-in XGBoost image of a region; an unknown region fails synth, naming the ones known. */
export function xgboostImage(region: string): XgboostImage {
  const account = XGBOOST_REGISTRIES[region];
  if (!account) {
    throw new Error(
      `SageMaker built-in XGBoost ${XGBOOST_VERSION}: no image is known for region "${region}" (aws.region in the environment file); ` +
        `known regions: ${Object.keys(XGBOOST_REGISTRIES).join(', ')}. Choose one of them, or sizing.training.engine: embedded.`,
    );
  }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { uri: `${account}.dkr.ecr.${region}.${suffix}/${XGBOOST_REPOSITORY}:${XGBOOST_VERSION}`, account, repository: XGBOOST_REPOSITORY };
}

/**
 * `strata-<env>-<stem>`: what a model's jobs and SageMaker model are named
 * after. SageMaker names stop at 63 characters and carry the run id (36 for
 * the scheduler's UUIDs), so a model may name a shorter stem.
 */
export function jobBaseName(environment: Environment, model: Pick<ModelDefinition, 'name' | 'managedJobStem'>): string {
  return resourceName(environment, model.managedJobStem ?? model.name);
}

/** Room a job name needs after its base: `-t0-` (kind, retry) and a 36-character run id. */
const RUN_SUFFIX_LENGTH = 4 + 36;
const SAGEMAKER_NAME_LIMIT = 63;

/** Names and paths of the SageMaker jobs of one model, shared by its training and scoring renderings. */
export interface ManagedModelNames {
  readonly base: string;
  /** `<base>-<runId>`: the SageMaker model a run trains (scoring finds it in the registry). */
  readonly modelName: string;
  /** `<base>-t<retry>-<runId>`: a new name per attempt, so a retried job never collides with the one before it. */
  readonly trainingJobName: string;
  readonly evaluationTransformName: string;
  readonly scoringTransformName: string;
  /** `s3://<refined>/_ml/runs/<runId>/<model>/managed/<path>` for the running execution. */
  uri(path: string): string;
}

export interface SageMakerTrainingProps {
  readonly environment: Environment;
  /** The lake key: encrypts the exported data, the model, the job volumes and the predictions. */
  readonly key: kms.IKey;
  /** Package version + commit, tagged on the jobs and models the flow creates. */
  readonly platformVersion: string;
}

const RUN_ID = '$$.Execution.Name';
/** Lambda retries, as the flow's own tasks: never a non-retryable error, backoff with jitter for the rest. */
const LAMBDA_RETRY = { interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL } as const;
/**
 * SageMaker refusing a request (throttling above all) surfaces as this error;
 * a job that ran and failed surfaces as States.TaskFailed and is not retried.
 */
const SAGEMAKER_SERVICE_ERROR = 'SageMaker.AmazonSageMakerException';
const SAGEMAKER_RETRY: sfn.RetryProps = { errors: [SAGEMAKER_SERVICE_ERROR], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL };

/**
 * SageMaker built-in XGBoost for the retrain flow, when the environment
 * selects `sizing.training.engine: sagemaker`: the execution role the jobs run
 * as (the run's data in refined, the lake key, the image, their logs and
 * nothing else), a model package group per model, and the renderer that puts
 * the training, model and batch-transform jobs in the flow in place of the
 * embedded train and score steps.
 */
export class SageMakerTraining extends Construct {
  readonly executionRole: iam.Role;
  readonly executionPolicy: iam.ManagedPolicy;
  readonly image: XgboostImage;
  /** Where each managed model's versions are registered: `strata-<env>-<model>`. */
  readonly modelPackageGroups: Partial<Record<ModelName, sagemaker.CfnModelPackageGroup>>;

  private readonly environment: Environment;
  private readonly key: kms.IKey;
  private readonly refined: s3.IBucket;
  private readonly tags: Record<string, string>;

  constructor(scope: Construct, id: string, props: SageMakerTrainingProps) {
    super(scope, id);
    const { environment } = props;
    this.environment = environment;
    this.key = props.key;
    this.image = xgboostImage(environment.aws.region);
    const stack = Stack.of(this);
    const names = new AwsNames(environment, this);
    this.refined = s3.Bucket.fromBucketName(this, 'Refined', names.layerBucket('refined'));
    this.tags = { ...platformTags(environment, props.platformVersion), 'strata:flow': 'retrain' };

    for (const model of managedModels(environment)) {
      const base = jobBaseName(environment, model);
      if (base.length + RUN_SUFFIX_LENGTH > SAGEMAKER_NAME_LIMIT) {
        throw new Error(`${base}: SageMaker job names of model ${model.name} would pass ${SAGEMAKER_NAME_LIMIT} characters; shorten the environment name or give the model a shorter managedJobStem`);
      }
    }

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: resourceName(environment, 'sagemaker-jobs'),
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Strata ${environment.name} SageMaker training and transform jobs: the run's data in refined, the lake key, the XGBoost image, their logs`,
    });

    const runObjects = this.refined.arnForObjects('_ml/runs/*');
    const jobOutputs = this.refined.arnForObjects('_ml/runs/*/managed/*');
    const region = stack.region;
    const jobLogGroups = ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/TransformJobs'].map((name) =>
      stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    const jobLogStreams = jobLogGroups.map((group) => `${group}:log-stream:${resourceName(environment)}-*`);
    const repositoryArn = stack.formatArn({ service: 'ecr', account: this.image.account, resource: 'repository', resourceName: this.image.repository });
    this.executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      description: `Strata ${environment.name} SageMaker jobs: least privilege`,
      roles: [this.executionRole],
      statements: [
        new iam.PolicyStatement({ sid: 'ReadRunData', actions: ['s3:GetObject'], resources: [runObjects] }),
        new iam.PolicyStatement({ sid: 'WriteJobOutput', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [jobOutputs] }),
        new iam.PolicyStatement({
          sid: 'ListRunData',
          actions: ['s3:ListBucket'],
          resources: [this.refined.bucketArn],
          conditions: { StringLike: { 's3:prefix': ['_ml/runs/*'] } },
        }),
        new iam.PolicyStatement({ sid: 'LocateBucket', actions: ['s3:GetBucketLocation'], resources: [this.refined.bucketArn] }),
        new iam.PolicyStatement({
          sid: 'LakeKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({
          sid: 'EncryptJobVolumes',
          actions: ['kms:CreateGrant'],
          resources: [props.key.keyArn],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        new iam.PolicyStatement({ sid: 'DescribeLakeKey', actions: ['kms:DescribeKey'], resources: [props.key.keyArn] }),
        new iam.PolicyStatement({
          sid: 'PullXgboostImage',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [repositoryArn],
        }),
        new iam.PolicyStatement({ sid: 'AuthorizeImagePull', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'JobLogs',
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          resources: [...jobLogGroups, ...jobLogStreams],
        }),
        new iam.PolicyStatement({
          sid: 'JobMetrics',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/TransformJobs'] } },
        }),
      ],
    });
    acknowledgeWildcardResources(this.executionPolicy, [
      { resource: runObjects, reason: 'A job reads the files of the run it belongs to; run ids are execution names, known only at run time.' },
      { resource: jobOutputs, reason: 'Jobs write only under a run\'s managed/ prefix (model, checkpoints, predictions); run ids are known only at run time.' },
      { resource: '*', reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData accept no narrower resource; metrics are limited to the SageMaker job namespaces by condition.' },
      ...jobLogStreams.map((stream) => ({ resource: stream, reason: 'SageMaker names log streams after the job (and instance); the grant stays inside this environment\'s job names.' })),
    ]);

    this.modelPackageGroups = {};
    for (const model of managedModels(environment)) {
      this.modelPackageGroups[model.name] = new sagemaker.CfnModelPackageGroup(this, `${pascalCase(model.name)}Packages`, {
        modelPackageGroupName: resourceName(environment, model.name),
        modelPackageGroupDescription: `Strata ${environment.name}: ${model.name} models trained by SageMaker XGBoost ${XGBOOST_VERSION}. The lake registry (refined/_ml/registry) decides the champion.`,
      });
    }
    Tags.of(this).add('strata:flow', 'retrain');
  }

  /** The flow's renderer of managed steps, invoking these functions for the steps around the jobs. */
  renderer(functions: Readonly<Record<HandlerName, lambda.IFunction>>): ManagedStepRenderer {
    return (scope, step) => {
      if (!step.managed) return undefined;
      const model = catalogFor(this.environment.workloads).modelNamed(step.managed.model);
      if (model.managedAlgorithm !== 'xgboost') return undefined;
      return step.managed.job === 'training' ? this.renderTraining(scope, step, model, functions) : this.renderScoring(scope, step, model, functions);
    };
  }

  private definitionOf(model: ModelName): ModelDefinition {
    const definition = managedModels(this.environment).find((candidate) => candidate.name === model);
    if (!definition) throw new RangeError(`model ${model} is not trained on SageMaker in ${this.environment.name}`);
    return definition;
  }

  /** Names of a model's jobs for the running execution (JSONPath intrinsics), and where its files are. */
  namesFor(model: ModelName): ManagedModelNames {
    const base = jobBaseName(this.environment, this.definitionOf(model));
    const runId = sfn.JsonPath.stringAt(RUN_ID);
    const retry = sfn.JsonPath.stringAt('$$.State.RetryCount');
    const managed = `${runPrefix('{}', model)}/managed`;
    return {
      base,
      modelName: sfn.JsonPath.format(`${base}-{}`, runId),
      trainingJobName: sfn.JsonPath.format(`${base}-t{}-{}`, retry, runId),
      evaluationTransformName: sfn.JsonPath.format(`${base}-e{}-{}`, retry, runId),
      scoringTransformName: sfn.JsonPath.format(`${base}-s{}-{}`, retry, runId),
      uri: (path) => sfn.JsonPath.format(`s3://{}/${managed}/${path}`, this.refined.bucketName, runId),
    };
  }

  private lambdaTask(scope: Construct, id: string, fn: lambda.IFunction, payload: Record<string, unknown>, resultPath: string): tasks.LambdaInvoke {
    const invoke = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath,
    });
    invoke.addRetry({ errors: [...NON_RETRYABLE_ERRORS], maxAttempts: 0 });
    invoke.addRetry({ errors: [sfn.Errors.ALL], ...LAMBDA_RETRY });
    return invoke;
  }

  private instanceType(): ec2.InstanceType {
    return new ec2.InstanceType(this.environment.sizing.training.instanceType.replace(/^ml\./, ''));
  }

  /** A model's hyperparameters as SageMaker XGBoost receives them (the Databricks job gets the same). */
  hyperparameters(model: ModelDefinition): Record<string, string> {
    return xgboostHyperparameters(this.environment.models, model);
  }

  private transformJob(scope: Construct, id: string, props: { name: string; modelName: string; input: string; output: string }): tasks.SageMakerCreateTransformJob {
    const job = new tasks.SageMakerCreateTransformJob(scope, id, {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      transformJobName: props.name,
      modelName: props.modelName,
      // Transform jobs take no role; the L2 asks for one to pass, and would otherwise create one.
      role: this.executionRole.withoutPolicyUpdates(),
      batchStrategy: tasks.BatchStrategy.MULTI_RECORD,
      transformInput: {
        contentType: 'text/csv',
        splitType: tasks.SplitType.LINE,
        transformDataSource: { s3DataSource: { s3DataType: tasks.S3DataType.S3_PREFIX, s3Uri: props.input } },
      },
      transformOutput: { s3OutputPath: props.output, accept: 'text/csv', assembleWith: tasks.AssembleWith.LINE, encryptionKey: this.key },
      transformResources: { instanceCount: 1, instanceType: this.instanceType(), volumeEncryptionKey: this.key },
      tags: this.tags,
      resultPath: sfn.JsonPath.DISCARD,
    });
    job.addRetry(SAGEMAKER_RETRY);
    return job;
  }

  private renderTraining(scope: Construct, step: TaskStep, model: ModelDefinition, functions: Readonly<Record<HandlerName, lambda.IFunction>>): ManagedRendering {
    const sizing = this.environment.sizing.training;
    const names = this.namesFor(model.name);
    const state = (verb: string) => `${verb}${pascalCase(model.name)}`;
    const result = step.resultPath;
    const input = { model: model.name, runId: sfn.JsonPath.stringAt(RUN_ID) };

    // 1. The training set as the CSV files the job reads; its summary holds the place of the result.
    const exportData = this.lambdaTask(scope, state('ExportTrainingData'), functions['export-training-data'], input, result);

    // 2. The training job, waited for (.sync).
    const maxRuntime = Duration.minutes(sizing.maxRuntimeMinutes);
    const channel = (name: 'train' | 'validation'): tasks.Channel => ({
      channelName: name,
      contentType: 'text/csv',
      dataSource: { s3DataSource: { s3DataType: tasks.S3DataType.S3_PREFIX, s3Location: new RunS3Location(names.uri(`${name}/`)) } },
    });
    const train = new XgboostTrainingJob(scope, step.name, {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      trainingJobName: names.trainingJobName,
      role: this.executionRole.withoutPolicyUpdates(),
      algorithmSpecification: { trainingImage: tasks.DockerImage.fromRegistry(this.image.uri), trainingInputMode: tasks.InputMode.FILE },
      inputDataConfig: [channel('train'), channel('validation')],
      hyperparameters: this.hyperparameters(model),
      outputDataConfig: { s3OutputLocation: new RunS3Location(names.uri('output/')), encryptionKey: this.key },
      resourceConfig: { instanceType: this.instanceType(), instanceCount: sizing.instanceCount, volumeSize: Size.gibibytes(30), volumeEncryptionKey: this.key },
      stoppingCondition: { maxRuntime },
      enableNetworkIsolation: true,
      tags: this.tags,
      resultSelector: {
        trainingJobName: sfn.JsonPath.stringAt('$.TrainingJobName'),
        modelDataUrl: sfn.JsonPath.stringAt('$.ModelArtifacts.S3ModelArtifacts'),
        hyperParameters: sfn.JsonPath.objectAt('$.HyperParameters'),
        trainingSeconds: sfn.JsonPath.numberAt('$.TrainingTimeInSeconds'),
        billableSeconds: sfn.JsonPath.numberAt('$.BillableTimeInSeconds'),
      },
      resultPath: `${result}.job`,
      extra: {
        ...(sizing.instanceCount > 1 ? { EnableInterContainerTrafficEncryption: true } : {}),
        ...(sizing.useSpot
          ? {
              EnableManagedSpotTraining: true,
              CheckpointConfig: { 'S3Uri.$': renderedPath(names.uri('checkpoints/')) },
            }
          : {}),
      },
      maxWait: sizing.useSpot ? Duration.seconds(maxRuntime.toSeconds() * 2) : undefined,
    });
    train.addRetry(SAGEMAKER_RETRY);

    // 3. The SageMaker model of the trained artifact: what batch transforms (and later runs' scoring) use.
    const createModel = new tasks.SageMakerCreateModel(scope, state('CreateModel'), {
      modelName: names.modelName,
      role: this.executionRole.withoutPolicyUpdates(),
      primaryContainer: new tasks.ContainerDefinition({
        image: tasks.DockerImage.fromRegistry(this.image.uri),
        mode: tasks.Mode.SINGLE_MODEL,
        modelS3Location: tasks.S3Location.fromJsonExpression(`${result}.job.modelDataUrl`),
      }),
      enableNetworkIsolation: true,
      tags: sfn.TaskInput.fromObject(Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value }))),
      resultPath: sfn.JsonPath.DISCARD,
    });
    createModel.addRetry(SAGEMAKER_RETRY);

    // 4. Every row of the training set scored by the new model, for the evaluation step.
    const transform = this.transformJob(scope, state('TransformEvaluation'), {
      name: names.evaluationTransformName,
      modelName: names.modelName,
      input: names.uri('evaluation/'),
      output: names.uri('predictions/evaluation/'),
    });

    // 5. The model and its predictions as the run's candidate, where the embedded train step leaves its result.
    const collect = this.lambdaTask(
      scope,
      state('CollectModel'),
      functions['collect-managed-model'],
      {
        ...input,
        trainingJobName: sfn.JsonPath.stringAt(`${result}.job.trainingJobName`),
        modelName: names.modelName,
        modelDataUrl: sfn.JsonPath.stringAt(`${result}.job.modelDataUrl`),
        hyperParameters: sfn.JsonPath.objectAt(`${result}.job.hyperParameters`),
        trainingSeconds: sfn.JsonPath.numberAt(`${result}.job.trainingSeconds`),
        billableSeconds: sfn.JsonPath.numberAt(`${result}.job.billableSeconds`),
      },
      result,
    );

    // 6. The version in the SageMaker Model Registry, pending: the lake registry's gate decides the champion.
    const group = resourceName(this.environment, model.name);
    const register = new tasks.CallAwsService(scope, state('RegisterPackage'), {
      service: 'sagemaker',
      action: 'createModelPackage',
      iamResources: [this.packageGroupArn(model.name), this.packagesArn(model.name)],
      parameters: {
        ModelPackageGroupName: group,
        ModelPackageDescription: sfn.JsonPath.format(`Run {} of ${model.name}: training job {}`, sfn.JsonPath.stringAt(RUN_ID), sfn.JsonPath.stringAt(`${result}.trainingJobName`)),
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: this.image.uri, ModelDataUrl: sfn.JsonPath.stringAt(`${result}.modelDataUrl`) }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        CustomerMetadataProperties: { runId: sfn.JsonPath.stringAt(RUN_ID), trainingJobName: sfn.JsonPath.stringAt(`${result}.trainingJobName`) },
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    register.addRetry(SAGEMAKER_RETRY);

    // A model whose workload has no data yet: its training-set step skipped it, and the export says so; no job is started.
    const trained = new sfn.Pass(scope, state('Trained'), { comment: `${model.name} trained by SageMaker, or skipped without data.` });
    const hasData = new sfn.Choice(scope, state('TrainingDataOf'), { comment: 'Skipped by the training-set step (the workload has no data yet): no job.' });
    hasData.when(sfn.Condition.isPresent(`${result}.skipped`), trained);
    hasData.otherwise(train.next(createModel).next(transform).next(collect).next(register).next(trained));
    exportData.next(hasData);

    this.acknowledgeFlowWildcards(scope, model.name, ['training', 'transform', 'package']);
    return {
      chain: sfn.Chain.custom(exportData, trained.endStates, trained),
      tasks: [exportData, train, createModel, transform, collect, register],
      statements: this.flowStatements(model.name, ['training', 'transform', 'package']),
      handlers: ['export-training-data', 'collect-managed-model'],
    };
  }

  private renderScoring(scope: Construct, step: TaskStep, model: ModelDefinition, functions: Readonly<Record<HandlerName, lambda.IFunction>>): ManagedRendering {
    const names = this.namesFor(model.name);
    const state = (verb: string) => `${verb}${pascalCase(model.name)}`;
    const result = step.resultPath;
    const input = { model: model.name, runId: sfn.JsonPath.stringAt(RUN_ID) };

    // The join: both ways of scoring leave their result at the step's result path.
    const scored = new sfn.Pass(scope, state('Scored'), { comment: `${model.name} scored (batch transform, or in-process for an embedded champion).` });
    const engine: sfn.Choice = new sfn.Choice(scope, state('ScoringEngineOf'), { comment: 'An embedded champion was scored in-process by the export; a SageMaker champion is scored by batch transform.' });
    // First: a skipped export has no engine field, and a Choice fails on a path that is not there.
    engine.when(sfn.Condition.isPresent(`${result}.skipped`), scored);
    engine.when(sfn.Condition.stringEquals(`${result}.engine`, 'embedded'), scored);
    const exportData = this.lambdaTask(scope, state('ExportScoringData'), functions['export-scoring-data'], input, result);

    const transform = this.transformJob(scope, state('TransformScores'), {
      name: names.scoringTransformName,
      modelName: sfn.JsonPath.stringAt(`${result}.sageMakerModelName`),
      input: names.uri('scoring/'),
      output: names.uri('predictions/scoring/'),
    });
    const load = this.lambdaTask(scope, state('LoadScores'), functions['load-managed-scores'], input, result);

    this.acknowledgeFlowWildcards(scope, model.name, ['transform']);
    exportData.next(engine);
    engine.otherwise(transform.next(load).next(scored));
    return {
      chain: sfn.Chain.custom(exportData, scored.endStates, scored),
      tasks: [exportData, transform, load],
      statements: this.flowStatements(model.name, ['transform']),
      handlers: ['export-scoring-data', 'load-managed-scores'],
    };
  }

  private packageGroupArn(model: ModelName): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: resourceName(this.environment, model) });
  }

  private packagesArn(model: ModelName): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${resourceName(this.environment, model)}/*` });
  }

  private sageMakerArn(resource: 'training-job' | 'transform-job' | 'model', model: ModelName): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource, resourceName: `${jobBaseName(this.environment, this.definitionOf(model))}-*` });
  }

  private eventRuleArn(jobs: 'Training' | 'Transform'): string {
    return Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `StepFunctionsGetEventsForSageMaker${jobs}JobsRule` });
  }

  /** What the flow's role needs for these jobs of a model; equal statements from two renderings collapse into one. */
  private flowStatements(model: ModelName, jobs: readonly ('training' | 'transform' | 'package')[]): iam.PolicyStatement[] {
    const suffix = pascalCase(model);
    const statements: iam.PolicyStatement[] = [];
    if (jobs.includes('training')) {
      const trainingJobs = this.sageMakerArn('training-job', model);
      const models = this.sageMakerArn('model', model);
      statements.push(
        new iam.PolicyStatement({
          sid: `TrainingJobs${suffix}`,
          actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'],
          resources: [trainingJobs],
        }),
        new iam.PolicyStatement({ sid: `Models${suffix}`, actions: ['sagemaker:CreateModel'], resources: [models] }),
        // Tags on create (cost allocation) need AddTags; .sync reads them back.
        new iam.PolicyStatement({ sid: `TagTrainingJobs${suffix}`, actions: ['sagemaker:AddTags', 'sagemaker:ListTags'], resources: [trainingJobs, models] }),
        new iam.PolicyStatement({
          sid: 'PassSageMakerJobRole',
          actions: ['iam:PassRole'],
          resources: [this.executionRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
        new iam.PolicyStatement({
          sid: 'TrainingJobEvents',
          actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          resources: [this.eventRuleArn('Training')],
        }),
      );
    }
    if (jobs.includes('transform')) {
      const transformJobs = this.sageMakerArn('transform-job', model);
      statements.push(
        new iam.PolicyStatement({
          sid: `TransformJobs${suffix}`,
          actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob'],
          resources: [transformJobs],
        }),
        new iam.PolicyStatement({ sid: `TagTransformJobs${suffix}`, actions: ['sagemaker:AddTags', 'sagemaker:ListTags'], resources: [transformJobs] }),
        new iam.PolicyStatement({
          sid: 'TransformJobEvents',
          actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          resources: [this.eventRuleArn('Transform')],
        }),
      );
    }
    if (jobs.includes('training') || jobs.includes('transform')) {
      // The jobs name the lake key for their volumes and output; SageMaker checks the key and makes the volume grant
      // with the caller's credentials (the flow's role), besides the job role's own use of it.
      statements.push(
        new iam.PolicyStatement({
          sid: 'GrantJobVolumesLakeKey',
          actions: ['kms:CreateGrant'],
          resources: [this.key.keyArn],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        new iam.PolicyStatement({ sid: 'DescribeJobsLakeKey', actions: ['kms:DescribeKey'], resources: [this.key.keyArn] }),
      );
    }
    if (jobs.includes('package')) {
      statements.push(
        new iam.PolicyStatement({
          sid: `ModelPackages${suffix}`,
          actions: ['sagemaker:CreateModelPackage'],
          resources: [this.packageGroupArn(model), this.packagesArn(model)],
        }),
      );
    }
    return statements;
  }

  private acknowledgeFlowWildcards(scope: Construct, model: ModelName, jobs: readonly ('training' | 'transform' | 'package')[]): void {
    const base = jobBaseName(this.environment, this.definitionOf(model));
    const wildcards: WildcardResource[] = [];
    if (jobs.includes('training')) {
      wildcards.push(
        { resource: this.sageMakerArn('training-job', model), reason: `Training jobs are named ${base}-t<attempt>-<run id> at run time; the grant stays inside that name.` },
        { resource: this.sageMakerArn('model', model), reason: `SageMaker models are named ${base}-<run id> at run time; the grant stays inside that name.` },
      );
    }
    if (jobs.includes('transform')) {
      wildcards.push({ resource: this.sageMakerArn('transform-job', model), reason: `Batch transforms are named ${base}-<e|s><attempt>-<run id> at run time; the grant stays inside that name.` });
    }
    if (jobs.includes('package')) {
      wildcards.push({ resource: this.packagesArn(model), reason: `SageMaker numbers the versions of the ${resourceName(this.environment, model)} model package group itself.` });
    }
    // The flow's policy is created after its states; the findings are named exactly, so nothing else is covered.
    acknowledgeWildcardResources(scope, wildcards);
  }
}

/** An S3 location the running execution names (a States.Format of the run id). */
class RunS3Location extends tasks.S3Location {
  constructor(private readonly uri: string) {
    super();
  }

  bind(): tasks.S3LocationConfig {
    return { uri: this.uri };
  }
}

/** `States.Format(...)` as it appears in a definition, for parameters the L2 does not render. */
function renderedPath(token: string): string {
  const resolved = JSON.stringify(sfn.FieldUtils.renderObject({ value: token }));
  return (JSON.parse(resolved) as Record<string, string>)['value.$']!;
}

interface XgboostTrainingJobProps extends tasks.SageMakerCreateTrainingJobProps {
  /** Request fields the L2 does not model (managed spot, checkpoints, inter-container encryption). */
  readonly extra: Record<string, unknown>;
  /** Managed spot: how long to wait for capacity and training together. */
  readonly maxWait?: Duration;
}

/**
 * The CDK training job, with the request fields it does not model added to
 * what it renders: EnableManagedSpotTraining, CheckpointConfig,
 * StoppingCondition.MaxWaitTimeInSeconds, EnableInterContainerTrafficEncryption.
 */
class XgboostTrainingJob extends tasks.SageMakerCreateTrainingJob {
  private readonly extra: Record<string, unknown>;
  private readonly maxWait?: Duration;

  constructor(scope: Construct, id: string, props: XgboostTrainingJobProps) {
    const { extra, maxWait, ...base } = props;
    super(scope, id, base);
    this.extra = extra;
    this.maxWait = maxWait;
  }

  protected override _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): any {
    const rendered = super._renderTask(topLevelQueryLanguage) as { Parameters: Record<string, any> };
    const parameters = rendered.Parameters;
    return {
      ...rendered,
      Parameters: {
        ...parameters,
        ...this.extra,
        StoppingCondition: { ...parameters.StoppingCondition, ...(this.maxWait ? { MaxWaitTimeInSeconds: this.maxWait.toSeconds() } : {}) },
      },
    };
  }
}

