import { trainingEngineOn } from '../../../config/training-engine.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, RETRAIN_FLOW, modelNamed } from '../../support/catalog.ts';
import type { Environment } from '../../../config/schema.ts';
import { type TaskStep } from '../../../pipelines/flows/index.ts';
import { managedPrefix } from '../../../lambdas/ml/export-training-data.ts';
import { addPlatform, createAwsApp } from '../../../stacks/aws/aws-app.ts';
import { XGBOOST_REGISTRIES, xgboostImage } from '../../../stacks/aws/constructs/sagemaker-training.ts';
import { environmentNamed, environmentWith } from '../../support/environments.ts';
import { synthAws, TEST_VERSION, type SynthesizedAws } from './synth-aws.ts';

type AslState = Record<string, any> & { Type: string };
type Asl = { StartAt: string; States: Record<string, AslState>; TimeoutSeconds?: number };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };

/** A CloudFormation value as readable text: `<Ref:X>`, `<GetAtt:X.Arn>`, `<Import:X>`, joins flattened. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const token = value as Record<string, any>;
  if ('Ref' in token) return `<Ref:${token.Ref}>`;
  if ('Fn::GetAtt' in token) return `<GetAtt:${[token['Fn::GetAtt']].flat().join('.')}>`;
  if ('Fn::ImportValue' in token) return `<Import:${flat(token['Fn::ImportValue'])}>`;
  if ('Fn::Join' in token) {
    const [separator, parts] = token['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(separator);
  }
  throw new Error(`unexpected token: ${JSON.stringify(value)}`);
}

function retrainDefinition(template: Template): Asl {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter((machine) => machine.Properties.StateMachineName.endsWith('-retrain-flow'));
  expect(machines).toHaveLength(1);
  return JSON.parse(flat(machines[0]!.Properties.DefinitionString)) as Asl;
}

/** States from StartAt along Next (a Choice continues at its default). */
function mainPath(asl: Asl): string[] {
  const names: string[] = [];
  for (let name: string | undefined = asl.StartAt; name !== undefined; ) {
    if (names.includes(name)) throw new Error(`loop at ${name}`);
    names.push(name);
    const state: AslState = asl.States[name]!;
    name = state.Type === 'Choice' ? (state.Default as string) : (state.Next as string | undefined);
  }
  return names;
}

function policiesOf(template: Template): Array<{ id: string; roles: string[]; statements: Statement[] }> {
  return Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).map(([id, policy]) => ({
    id,
    roles: ((policy.Properties.Roles ?? []) as unknown[]).map(flat),
    statements: policy.Properties.PolicyDocument.Statement as Statement[],
  }));
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat().map(flat);

/** The models whose definitions ask for SageMaker XGBoost: seller-churn, order-delay and seller-activation. */
const MANAGED = CATALOG.models.filter((model) => model.managedAlgorithm === 'xgboost');

const trainStep = RETRAIN_FLOW.steps.find((step): step is TaskStep => step.kind === 'task' && step.managed?.job === 'training' && step.managed.model === 'seller-churn')!;
const scoreStep = RETRAIN_FLOW.steps.find((step): step is TaskStep => step.kind === 'task' && step.managed?.job === 'scoring' && step.managed.model === 'seller-churn')!;

/** The job and model names SageMaker would get for a run id, from a `States.Format` with `$$.State.RetryCount` and `$$.Execution.Name`. */
function nameFor(format: string, runId: string, retry = 0): string {
  const match = /^States\.Format\('([^']*)', (.*)\)$/.exec(format);
  if (!match) throw new Error(`not a States.Format: ${format}`);
  const values = match[2]!.split(', ').map((argument) => (argument === '$$.Execution.Name' ? runId : argument === '$$.State.RetryCount' ? String(retry) : argument));
  let index = 0;
  return match[1]!.replace(/\{\}/g, () => values[index++]!);
}

describe('retrain on SageMaker (sizing.training.engine: sagemaker, prod)', () => {
  const prod = environmentNamed('prod');
  let aws: SynthesizedAws;
  let asl: Asl;
  beforeAll(() => {
    expect(trainingEngineOn(prod, 'aws')).toBe('sagemaker');
    aws = synthAws(prod);
    asl = retrainDefinition(aws.templates.pipelines);
  });

  it('holds the training job, the model and the two batch transforms as native .sync integrations', () => {
    const resources = Object.values(asl.States).map((state) => state.Resource as string | undefined);
    expect(MANAGED.map((model) => model.name)).toEqual(['seller-churn', 'order-delay', 'seller-activation']);
    expect(resources.filter((resource) => resource?.endsWith(':states:::sagemaker:createTrainingJob.sync'))).toHaveLength(MANAGED.length);
    expect(resources.filter((resource) => resource?.endsWith(':states:::sagemaker:createModel'))).toHaveLength(MANAGED.length);
    expect(resources.filter((resource) => resource?.endsWith(':states:::sagemaker:createTransformJob.sync'))).toHaveLength(2 * MANAGED.length);
    expect(asl.States.TrainOrderDelay!.Resource).toBe('arn:<Ref:AWS::Partition>:states:::sagemaker:createTrainingJob.sync');
    expect(asl.States.TrainSellerChurn!.Resource).toBe('arn:<Ref:AWS::Partition>:states:::sagemaker:createTrainingJob.sync');
    expect(asl.States.TransformEvaluationSellerChurn!.Resource).toMatch(/createTransformJob\.sync$/);
    expect(asl.States.TransformScoresSellerChurn!.Resource).toMatch(/createTransformJob\.sync$/);
  });

  it('replaces the train step with export, train, model, transform, collect and register, in that order, before the unchanged evaluation', () => {
    const path = mainPath(asl);
    const from = path.indexOf('BuildTrainingSetOfSellerChurn');
    expect(path.slice(from, from + 12)).toEqual([
      'BuildTrainingSetOfSellerChurn',
      'ExportTrainingDataSellerChurn',
      'TrainingDataOfSellerChurn',
      'TrainSellerChurn',
      'CreateModelSellerChurn',
      'TransformEvaluationSellerChurn',
      'CollectModelSellerChurn',
      'RegisterPackageSellerChurn',
      'TrainedSellerChurn',
      'EvaluateSellerChurn',
      'GateSellerChurn',
      'RegisterSellerChurn',
    ]);
    // A model its training-set step skipped (no data yet) starts no job: the export's result says so.
    expect(asl.States.TrainingDataOfSellerChurn!.Choices).toEqual([{ Variable: `${trainStep.resultPath}.skipped`, IsPresent: true, Next: 'TrainedSellerChurn' }]);
    expect(asl.States.TrainingDataOfSellerChurn!.Default).toBe('TrainSellerChurn');
    // The collect step leaves its result where the embedded train step would.
    expect(asl.States.CollectModelSellerChurn!.ResultPath).toBe(trainStep.resultPath);
    expect(asl.States.RegisterPackageSellerChurn!.ResultPath).toBeNull();
    expect(asl.States.CollectModelSellerChurn!.Parameters).toMatchObject({
      model: 'seller-churn',
      'runId.$': '$$.Execution.Name',
      'trainingJobName.$': `${trainStep.resultPath}.job.trainingJobName`,
      'modelDataUrl.$': `${trainStep.resultPath}.job.modelDataUrl`,
      'modelName.$': "States.Format('strata-prod-churn-{}', $$.Execution.Name)",
    });
    // Each handler state runs on its function.
    expect(asl.States.ExportTrainingDataSellerChurn!.Resource).toMatch(/^<GetAtt:exporttrainingdata.*\.Arn>$/);
    expect(asl.States.CollectModelSellerChurn!.Resource).toMatch(/^<GetAtt:collectmanagedmodel.*\.Arn>$/);
  });

  it('scores by batch transform with the champion\'s SageMaker model, or skips it for an embedded champion', () => {
    const path = mainPath(asl);
    const from = path.indexOf('ExportScoringDataSellerChurn');
    expect(path.slice(from, from + 5)).toEqual(['ExportScoringDataSellerChurn', 'ScoringEngineOfSellerChurn', 'TransformScoresSellerChurn', 'LoadScoresSellerChurn', 'ScoredSellerChurn']);
    const choice = asl.States.ScoringEngineOfSellerChurn!;
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([
      { Variable: `${scoreStep.resultPath}.skipped`, IsPresent: true, Next: 'ScoredSellerChurn' },
      { Variable: `${scoreStep.resultPath}.engine`, StringEquals: 'embedded', Next: 'ScoredSellerChurn' },
    ]);
    expect(asl.States.TransformScoresSellerChurn!.Parameters['ModelName.$']).toBe(`${scoreStep.resultPath}.sageMakerModelName`);
    expect(asl.States.ExportScoringDataSellerChurn!.ResultPath).toBe(scoreStep.resultPath);
    expect(asl.States.LoadScoresSellerChurn!.ResultPath).toBe(scoreStep.resultPath);
    // The segments model has no managed algorithm: its steps stay on the embedded engine.
    expect(asl.States.TrainSellerSegments!.Resource).toMatch(/^<GetAtt:trainmodel.*\.Arn>$/);
    expect(asl.States.ScoreSellerSegments!.Resource).toMatch(/^<GetAtt:scoremodel.*\.Arn>$/);
  });

  it('trains built-in XGBoost 1.7-1 of the region with the environment\'s hyperparameters, on CSV train and validation channels', () => {
    const parameters = asl.States.TrainSellerChurn!.Parameters;
    const churn = prod.models.classifier;
    expect(parameters.HyperParameters).toEqual({
      ...Object.fromEntries(Object.entries(churn.gradientBoosting).map(([name, value]) => [name, String(value)])),
      seed: String(churn.seed),
      objective: 'binary:logistic',
      eval_metric: 'auc',
    });
    expect(parameters.AlgorithmSpecification).toEqual({ TrainingInputMode: 'File', TrainingImage: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1' });
    const prefix = managedPrefix('{}', 'seller-churn');
    expect(parameters.InputDataConfig).toEqual(
      (['train', 'validation'] as const).map((channel) => ({
        ChannelName: channel,
        ContentType: 'text/csv',
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            'S3Uri.$': `States.Format('s3://{}/${prefix}/${channel}/', 'strata-prod-refined-<Ref:AWS::AccountId>-eu-west-1', $$.Execution.Name)`,
          },
        },
      })),
    );
    expect(parameters.EnableNetworkIsolation).toBe(true);
  });

  it('sizes the job from sizing.training: instance type and count, managed spot with checkpoints, the runtime cut-off', () => {
    const { training } = prod.sizing;
    const parameters = asl.States.TrainSellerChurn!.Parameters;
    expect(parameters.ResourceConfig).toMatchObject({ InstanceType: training.instanceType, InstanceCount: training.instanceCount });
    expect(training.useSpot).toBe(true);
    expect(parameters.EnableManagedSpotTraining).toBe(true);
    expect(parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: training.maxRuntimeMinutes * 60, MaxWaitTimeInSeconds: training.maxRuntimeMinutes * 120 });
    expect(parameters.CheckpointConfig['S3Uri.$']).toContain(`${managedPrefix('{}', 'seller-churn')}/checkpoints/`);
    expect(parameters.EnableInterContainerTrafficEncryption).toBeUndefined();
  });

  it('encrypts model output, predictions and every job volume with the lake key', () => {
    const lakeKey = /^<Import:strata-prod-storage:ExportsOutputFnGetAttLakeKey.*Arn.*>$/;
    const train = asl.States.TrainSellerChurn!.Parameters;
    expect(train.OutputDataConfig.KmsKeyId).toMatch(lakeKey);
    expect(train.OutputDataConfig['S3OutputPath.$']).toContain(`${managedPrefix('{}', 'seller-churn')}/output/`);
    expect(train.ResourceConfig.VolumeKmsKeyId).toMatch(lakeKey);
    for (const name of ['TransformEvaluationSellerChurn', 'TransformScoresSellerChurn']) {
      const transform = asl.States[name]!.Parameters;
      expect(transform.TransformOutput, name).toMatchObject({ KmsKeyId: expect.stringMatching(lakeKey), AssembleWith: 'Line', Accept: 'text/csv' });
      expect(transform.TransformInput, name).toMatchObject({ ContentType: 'text/csv', SplitType: 'Line' });
      expect(transform.TransformResources.VolumeKmsKeyId, name).toMatch(lakeKey);
    }
    expect(asl.States.TransformEvaluationSellerChurn!.Parameters.TransformInput.DataSource.S3DataSource['S3Uri.$']).toContain('/managed/evaluation/');
    expect(asl.States.TransformEvaluationSellerChurn!.Parameters.TransformOutput['S3OutputPath.$']).toContain('/managed/predictions/evaluation/');
    expect(asl.States.CreateModelSellerChurn!.Parameters.EnableNetworkIsolation).toBe(true);
  });

  it('names jobs strata-prod-churn-… within SageMaker\'s 63 characters, a new name per attempt, and retries only refused requests', () => {
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const local = 'run-20260101T030000Z-a1b2c3';
    const formats = {
      training: asl.States.TrainSellerChurn!.Parameters['TrainingJobName.$'] as string,
      model: asl.States.CreateModelSellerChurn!.Parameters['ModelName.$'] as string,
      evaluation: asl.States.TransformEvaluationSellerChurn!.Parameters['TransformJobName.$'] as string,
      scoring: asl.States.TransformScoresSellerChurn!.Parameters['TransformJobName.$'] as string,
    };
    for (const [kind, format] of Object.entries(formats)) {
      for (const runId of [uuid, local]) {
        const name = nameFor(format, runId, 3);
        expect(name, kind).toMatch(/^strata-prod-churn-/);
        expect(name.length, `${kind}: ${name}`).toBeLessThanOrEqual(63);
        expect(name, kind).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
      }
    }
    // The longest environment name still fits.
    expect(nameFor(formats.evaluation.replace('strata-prod-', 'strata-abcdefghij-'), uuid, 3).length).toBeLessThanOrEqual(63);
    for (const kind of ['training', 'evaluation', 'scoring'] as const) expect(formats[kind], kind).toContain('$$.State.RetryCount');
    expect(nameFor(formats.training, uuid, 0)).not.toBe(nameFor(formats.training, uuid, 1));

    for (const name of ['TrainSellerChurn', 'CreateModelSellerChurn', 'TransformEvaluationSellerChurn', 'TransformScoresSellerChurn', 'RegisterPackageSellerChurn']) {
      const state = asl.States[name]!;
      expect(state.Retry, name).toEqual([{ ErrorEquals: ['SageMaker.AmazonSageMakerException'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }]);
      expect(state.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' }]);
    }
    for (const name of ['ExportTrainingDataSellerChurn', 'CollectModelSellerChurn', 'ExportScoringDataSellerChurn', 'LoadScoresSellerChurn']) {
      const retries = asl.States[name]!.Retry as Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
      expect(retries[0], name).toEqual({ ErrorEquals: ['QualityGateFailed', 'TableInputError'], MaxAttempts: 0 });
      expect(retries[1]!.ErrorEquals, name).toEqual(['States.ALL']);
    }
  });

  it('registers each trained model in its model\'s package group (strata-prod-seller-churn, strata-prod-order-delay), pending approval', () => {
    const groups = Object.values(aws.templates.pipelines.findResources('AWS::SageMaker::ModelPackageGroup'));
    expect(groups.map((group) => group.Properties.ModelPackageGroupName)).toEqual(MANAGED.map((model) => `strata-prod-${model.name}`));
    const register = asl.States.RegisterPackageSellerChurn!;
    expect(register.Resource).toMatch(/:states:::aws-sdk:sagemaker:createModelPackage$/);
    expect(register.Parameters).toMatchObject({ ModelPackageGroupName: 'strata-prod-seller-churn', ModelApprovalStatus: 'PendingManualApproval' });
  });

  describe('IAM', () => {
    const policies = () => policiesOf(aws.templates.pipelines);
    const flowPolicy = () => policies().find((policy) => policy.roles.some((role) => role.startsWith('<Ref:retrainFlowRole')))!;
    const jobPolicy = () => policies().find((policy) => policy.roles.some((role) => role.startsWith('<Ref:SageMakerTrainingExecutionRole')))!;

    it('grants no service-wide action and no s3 or sagemaker wildcard action', () => {
      for (const policy of policies()) {
        for (const statement of policy.statements) {
          for (const action of actionsOf(statement)) {
            expect(action, policy.id).not.toBe('*');
            expect(action, policy.id).not.toMatch(/^(s3|sagemaker|sagemaker-mlflow|iam|kms|ecr):\*$/);
            expect(action, policy.id).not.toMatch(/\*/);
          }
        }
      }
    });

    it('limits the flow\'s SageMaker actions to strata-prod names, its role pass to the job role, its events to the .sync rules', () => {
      const statements = flowPolicy().statements;
      const sageMaker = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('sagemaker:')));
      expect(new Set(sageMaker.flatMap(actionsOf))).toEqual(
        new Set([
          'sagemaker:CreateTrainingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:StopTrainingJob',
          'sagemaker:CreateModel',
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
          'sagemaker:StopTransformJob',
          'sagemaker:AddTags',
          'sagemaker:ListTags',
          'sagemaker:CreateModelPackage',
        ]),
      );
      const arn = (resource: string) => `arn:<Ref:AWS::Partition>:sagemaker:eu-west-1:<Ref:AWS::AccountId>:${resource}`;
      const allowed = new Set(
        MANAGED.flatMap((model) => {
          const stem = `strata-prod-${model.managedJobStem ?? model.name}`;
          return [arn(`training-job/${stem}-*`), arn(`model/${stem}-*`), arn(`transform-job/${stem}-*`), arn(`model-package-group/strata-prod-${model.name}`), arn(`model-package/strata-prod-${model.name}/*`)];
        }),
      );
      expect(allowed).toContain(arn('training-job/strata-prod-churn-*'));
      for (const statement of sageMaker) for (const resource of resourcesOf(statement)) expect(allowed, resource).toContain(resource);

      const passRole = statements.filter((statement) => actionsOf(statement).includes('iam:PassRole'));
      expect(passRole).toHaveLength(1);
      expect(resourcesOf(passRole[0]!)).toEqual([expect.stringMatching(/^<GetAtt:SageMakerTrainingExecutionRole.*\.Arn>$/)]);
      expect(passRole[0]!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });

      const events = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')));
      expect(events.flatMap(resourcesOf).sort()).toEqual(
        ['Training', 'Transform'].map((jobs) => `arn:<Ref:AWS::Partition>:events:eu-west-1:<Ref:AWS::AccountId>:rule/StepFunctionsGetEventsForSageMaker${jobs}JobsRule`),
      );
      // Whatever the flow touches is named: no bare wildcard beyond the logging and tracing the flow always had.
      const wildcardStatements = statements.filter((statement) => resourcesOf(statement).includes('*'));
      expect(wildcardStatements.map((statement) => statement.Sid).sort()).toEqual(['DeliverLogs', 'Tracing']);
    });

    it('lets the flow, which starts the jobs naming the lake key, describe that key and grant it to the job volumes only', () => {
      const kms = flowPolicy().statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:')));
      const byAction: Record<string, Statement> = Object.fromEntries(kms.flatMap((statement) => actionsOf(statement).map((action) => [action, statement])));
      expect(Object.keys(byAction)).toEqual(expect.arrayContaining(['kms:CreateGrant', 'kms:DescribeKey']));
      expect(byAction['kms:CreateGrant']!.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
      const lakeKey = resourcesOf(jobPolicy().statements.find((statement) => statement.Sid === 'DescribeLakeKey')!);
      for (const action of ['kms:CreateGrant', 'kms:DescribeKey']) expect(resourcesOf(byAction[action]!), action).toEqual(lakeKey);
    });

    it('keeps the job role to the run data in refined, the lake key through S3, the XGBoost repository and the job logs', () => {
      const role = Object.values(aws.templates.pipelines.findResources('AWS::IAM::Role')).find((candidate) => candidate.Properties.RoleName === 'strata-prod-sagemaker-jobs')!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
      expect(role.Properties.ManagedPolicyArns ?? [], 'no AWS managed policy').toEqual([]);
      const refined = 'arn:<Ref:AWS::Partition>:s3:::strata-prod-refined-<Ref:AWS::AccountId>-eu-west-1';
      const bySid = Object.fromEntries(jobPolicy().statements.map((statement) => [statement.Sid, statement]));
      expect(resourcesOf(bySid.ReadRunData!)).toEqual([`${refined}/_ml/runs/*`]);
      expect(actionsOf(bySid.WriteJobOutput!)).toEqual(['s3:PutObject', 's3:AbortMultipartUpload']);
      expect(resourcesOf(bySid.WriteJobOutput!)).toEqual([`${refined}/_ml/runs/*/managed/*`]);
      expect(bySid.ListRunData!.Condition).toEqual({ StringLike: { 's3:prefix': ['_ml/runs/*'] } });
      for (const statement of jobPolicy().statements.filter((candidate) => actionsOf(candidate).some((action) => action.startsWith('s3:')))) {
        for (const resource of resourcesOf(statement)) expect(resource.startsWith(refined), resource).toBe(true);
      }
      const kms = jobPolicy().statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:')));
      for (const statement of kms) expect(resourcesOf(statement), statement.Sid).toEqual([expect.stringMatching(/^<Import:strata-prod-storage:ExportsOutputFnGetAttLakeKey/)]);
      expect(bySid.LakeKeyThroughS3!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
      expect(bySid.EncryptJobVolumes!.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
      expect(resourcesOf(bySid.PullXgboostImage!)).toEqual(['arn:<Ref:AWS::Partition>:ecr:eu-west-1:141502667606:repository/sagemaker-xgboost']);
      expect(resourcesOf(bySid.JobLogs!).every((resource) => /:log-group:\/aws\/sagemaker\/(TrainingJobs|TransformJobs)(:log-stream:strata-prod-\*)?$/.test(resource))).toBe(true);
      expect(jobPolicy().statements.filter((statement) => resourcesOf(statement).includes('*')).map((statement) => statement.Sid).sort()).toEqual(['AuthorizeImagePull', 'JobMetrics']);
      expect(bySid.JobMetrics!.Condition).toEqual({ StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/TransformJobs'] } });
    });
  });

  it('passes the AwsSolutions, Serverless and NIST 800-53 R5 packs with no unacknowledged finding', () => {
    const report = JSON.parse(readFileSync(join(aws.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });
});

describe('retrain on SageMaker, after the environment file changes', () => {
  const changed = environmentWith('prod', (document) => {
    document.sizing.training = { engine: 'sagemaker', instanceType: 'ml.c5.2xlarge', instanceCount: 2, useSpot: false, maxRuntimeMinutes: 90 };
    document.models = { classifier: { seed: 7, gradientBoosting: { num_round: 350, eta: 0.05, max_depth: 6 } } };
  });
  let asl: Asl;
  let aws: SynthesizedAws;
  beforeAll(() => {
    aws = synthAws(changed);
    asl = retrainDefinition(aws.templates.pipelines);
  });

  it('follows instance type and count, on-demand capacity and the runtime cut-off', () => {
    const parameters = asl.States.TrainSellerChurn!.Parameters;
    expect(parameters.ResourceConfig).toMatchObject({ InstanceType: 'ml.c5.2xlarge', InstanceCount: 2 });
    expect(parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 90 * 60 });
    expect(parameters.EnableManagedSpotTraining).toBeUndefined();
    expect(parameters.CheckpointConfig).toBeUndefined();
    // Two instances talk to each other: that traffic is encrypted.
    expect(parameters.EnableInterContainerTrafficEncryption).toBe(true);
    expect(asl.States.TransformScoresSellerChurn!.Parameters.TransformResources).toMatchObject({ InstanceType: 'ml.c5.2xlarge', InstanceCount: 1 });
  });

  it('gives the run the training runtime plus two hours before it is stopped: 90 minutes on demand', () => {
    expect(asl.TimeoutSeconds).toBe((120 + 90) * 60);
  });

  it('follows the hyperparameters and the seed', () => {
    expect(asl.States.TrainSellerChurn!.Parameters.HyperParameters).toMatchObject({ num_round: '350', eta: '0.05', max_depth: '6', seed: '7', subsample: '0.8' });
  });

  it('stays clean under cdk-nag', () => {
    const report = JSON.parse(readFileSync(join(aws.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });
});

describe('retrain on the embedded engine (dev)', () => {
  const dev = environmentNamed('dev');
  let aws: SynthesizedAws;
  beforeAll(() => {
    expect(dev.sizing.training.engine).toBe('embedded');
    aws = synthAws(dev);
  });

  it('has no SageMaker state, job role or model package group: train and score run their handlers', () => {
    const asl = retrainDefinition(aws.templates.pipelines);
    expect(JSON.stringify(asl)).not.toContain('sagemaker');
    expect(Object.keys(asl.States).filter((name) => /^(ExportTrainingData|CollectModel|ExportScoringData|LoadScores)/.test(name))).toEqual([]);
    expect(asl.States.TrainSellerChurn!.Resource).toMatch(/^<GetAtt:trainmodel.*\.Arn>$/);
    expect(asl.States.ScoreSellerChurn!.Resource).toMatch(/^<GetAtt:scoremodel.*\.Arn>$/);
    expect(Object.keys(aws.templates.pipelines.findResources('AWS::SageMaker::ModelPackageGroup'))).toEqual([]);
    const roles = Object.values(aws.templates.pipelines.findResources('AWS::IAM::Role')).map((role) => JSON.stringify(role.Properties.AssumeRolePolicyDocument));
    expect(roles.filter((document) => document.includes('sagemaker.amazonaws.com'))).toEqual([]);
    const actions = policiesOf(aws.templates.pipelines).flatMap((policy) => policy.statements.flatMap(actionsOf));
    expect(actions.filter((action) => action.startsWith('sagemaker'))).toEqual([]);
    const report = JSON.parse(readFileSync(join(aws.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });
});

describe('the XGBoost image', () => {
  it('comes from the region\'s SageMaker account, and an unknown region fails synth naming the known ones', () => {
    expect(xgboostImage('us-east-1').uri).toBe('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1');
    expect(xgboostImage('cn-north-1').uri).toBe('450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1');
    expect(Object.keys(XGBOOST_REGISTRIES)).toContain('eu-west-1');
    const unknown: Environment = environmentWith('prod', (document) => {
      document.aws.region = 'xx-nowhere-1';
    });
    expect(() => synthAws(unknown)).toThrow(/no image is known for region "xx-nowhere-1".*known regions: af-south-1/);
  });

  it('is what the model definition asks for: seller-churn trains xgboost on a managed engine', () => {
    expect(modelNamed('seller-churn').managedAlgorithm).toBe('xgboost');
  });
});

describe('CloudFormation resource schemas', () => {
  it.each([
    ['prod: SageMaker training, MLflow App', environmentNamed('prod')],
    [
      'prod with several on-demand instances and a tracking server',
      environmentWith('prod', (document) => {
        document.sizing.training.instanceCount = 3;
        document.sizing.training.useSpot = false;
        document.sizing.mlflow.mode = 'server';
      }),
    ],
  ])('%s: every resource conforms (built-in validation, errors fatal)', (_name, environment) => {
    const outdir = mkdtempSync(join(tmpdir(), 'strata-schema-'));
    const app = createAwsApp({ outdir, cloudFormationSchemaValidation: true, bundle: false });
    addPlatform(app, environment, TEST_VERSION);
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations: unknown[] }> };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });
});
