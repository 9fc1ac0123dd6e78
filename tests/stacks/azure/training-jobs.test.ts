import { readFileSync } from 'node:fs';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/load-environment.ts';
import type { Environment } from '../../../config/schema.ts';
import { managedPrefix } from '../../../lambdas/ml/export-training-data.ts';
import { xgboostHyperparameters } from '../../../lambdas/ml/managed-xgboost.ts';
import { managedModels } from '../../../lambdas/ml/managed-xgboost.ts';
import { TrainingJobs, XGBOOST_JOB_SOURCE, XGBOOST_PYPI_PACKAGE } from '../../../stacks/azure/workspace/training-jobs.ts';
import { WORKSPACE_OUTPUTS } from '../../../stacks/azure/workspace-stack.ts';
import { modelNamed } from '../../support/catalog.ts';
import { environmentFrom, environmentNamed, withChange } from '../../support/environments.ts';
import { resourcesOf, synthStacks, TEST_VERSION, type TfJson } from './synth-helpers.ts';

const PROD = environmentNamed('prod');
const REFINED = 'abfss://refined@stratalake.dfs.core.windows.net/';

function synthJobs(environment: Environment, mlflowExperimentFolder?: string): TfJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      new TrainingJobs(scope, 'training', {
        environment,
        version: TEST_VERSION,
        policyId: '${databricks_cluster_policy.sizing.id}',
        mlPrincipal: 'ml-app-id',
        refinedUrl: REFINED,
        ...(mlflowExperimentFolder === undefined ? {} : { mlflowExperimentFolder }),
      });
    }),
  ) as TfJson;
}

const jobNamed = (synthesized: TfJson, name: string) => Object.values(resourcesOf(synthesized, 'databricks_job')).find((job) => job.name === name)!;

describe('the Databricks training jobs (sizing.training.engine databricks on Azure)', () => {
  const synthesized = synthJobs(PROD, '/Shared/strata');
  const churn = jobNamed(synthesized, 'strata-prod-seller-churn-xgboost');

  it('has one job per managed model, and the job code as a workspace file with the checked-in script\'s content', () => {
    expect(Object.values(resourcesOf(synthesized, 'databricks_job')).map((job) => job.name).sort()).toEqual(
      managedModels(PROD).map((model) => `strata-prod-${model.name}-xgboost`).sort(),
    );
    const [file] = Object.values(resourcesOf(synthesized, 'databricks_workspace_file'));
    expect(file!.path).toBe('/Shared/strata-jobs/strata-prod/xgboost_job.py');
    expect(Buffer.from(file!.content_base64 as string, 'base64').toString('utf8')).toBe(readFileSync(XGBOOST_JOB_SOURCE, 'utf8'));
    expect(file).not.toHaveProperty('source');
    expect(churn.task[0].spark_python_task.python_file).toMatch(/^\$\{databricks_workspace_file\.training_code.*\.workspace_path\}$/);
    expect(churn.task[0].spark_python_task.source).toBe('WORKSPACE');
  });

  it('runs on a job cluster bound to the sizing policy, sized by sizing.databricks, in single-user mode as the ml principal', () => {
    const [cluster] = churn.job_cluster as TfJson[];
    expect(cluster!.new_cluster).toMatchObject({
      policy_id: '${databricks_cluster_policy.sizing.id}',
      apply_policy_default_values: true,
      spark_version: PROD.sizing.databricks.sparkVersion,
      node_type_id: PROD.sizing.databricks.nodeType,
      driver_node_type_id: PROD.sizing.databricks.nodeType,
      autoscale: { min_workers: PROD.sizing.databricks.autoscale.minWorkers, max_workers: PROD.sizing.databricks.autoscale.maxWorkers },
      azure_attributes: { availability: 'SPOT_WITH_FALLBACK_AZURE', first_on_demand: 1, spot_bid_max_price: -1 },
      data_security_mode: 'SINGLE_USER',
      single_user_name: 'ml-app-id',
    });
    expect(churn.task[0].job_cluster_key).toBe(cluster!.job_cluster_key);
    expect(churn.run_as).toEqual({ service_principal_name: 'ml-app-id' });
    expect(churn.timeout_seconds).toBe(PROD.sizing.training.maxRuntimeMinutes * 60);
    expect(churn.max_concurrent_runs).toBe(1);
  });

  it('passes the run id, mode and champion model as job parameters, and fixes the hyperparameters, lake and MLflow experiment at synth', () => {
    expect(churn.parameter).toEqual([
      { name: 'run_id', default: '' },
      { name: 'mode', default: 'train' },
      { name: 'model_key', default: '' },
    ]);
    const args = churn.task[0].spark_python_task.parameters as string[];
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('--mode')).toBe('{{job.parameters.mode}}');
    expect(value('--lake')).toBe('abfss://refined@stratalake.dfs.core.windows.net');
    expect(value('--prefix')).toBe(managedPrefix('{{job.parameters.run_id}}', 'seller-churn'));
    expect(JSON.parse(value('--hyperparameters')!)).toEqual(xgboostHyperparameters(PROD.models, modelNamed('seller-churn')));
    expect(value('--model-key')).toBe('{{job.parameters.model_key}}');
    expect(value('--experiment')).toBe('/Shared/strata/strata-prod/seller-churn');
    expect(churn.task[0].library).toEqual([{ pypi: { package: XGBOOST_PYPI_PACKAGE } }]);
  });

  it('lets the ml principal run the jobs and use the sizing policy, and no one else', () => {
    const permissions = Object.values(resourcesOf(synthesized, 'databricks_permissions'));
    const policy = permissions.find((permission) => permission.cluster_policy_id);
    expect(policy).toMatchObject({ cluster_policy_id: '${databricks_cluster_policy.sizing.id}', access_control: [{ service_principal_name: 'ml-app-id', permission_level: 'CAN_USE' }] });
    const jobs = permissions.filter((permission) => permission.job_id);
    expect(jobs).toHaveLength(managedModels(PROD).length);
    for (const job of jobs) expect(job.access_control).toEqual([{ service_principal_name: 'ml-app-id', permission_level: 'CAN_MANAGE_RUN' }]);
  });

  it('tracks nothing without MLflow, and adds no library on an ML runtime', () => {
    const plain = jobNamed(synthJobs(withChange(PROD, (env) => (env.sizing.databricks.sparkVersion = '15.4.x-cpu-ml-scala2.12'))), 'strata-prod-seller-churn-xgboost');
    const args = plain.task[0].spark_python_task.parameters as string[];
    expect(args[args.indexOf('--experiment') + 1]).toBe('');
    expect(plain.task[0]).not.toHaveProperty('library');
  });
});

describe('the workspace stack and the training engine', () => {
  it('renders the jobs only when Azure trains on databricks, with their ids as outputs', () => {
    const databricks = synthStacks(environmentFrom('name: dbx\nnetwork: { publicAccess: true }\nsizing:\n  training: { engine: { azure: databricks } }\n')).workspace;
    expect(Object.keys(resourcesOf(databricks, 'databricks_job'))).toHaveLength(managedModels(PROD).length);
    expect(databricks.output[WORKSPACE_OUTPUTS.trainingJobId('seller-churn')].value).toMatch(/^\$\{databricks_job\.training_job_seller_churn.*\.id\}$/);
    const embedded = synthStacks(environmentNamed('dev')).workspace;
    expect(resourcesOf(embedded, 'databricks_job')).toEqual({});
    expect(resourcesOf(embedded, 'databricks_workspace_file')).toEqual({});
  });

  it('fails the synth of an engine Azure cannot run, naming the setting and what Azure allows', () => {
    const sagemaker = environmentFrom('name: sm\nsizing:\n  training: { engine: sagemaker }\n');
    expect(() => synthStacks(sagemaker)).toThrow(ConfigError);
    expect(() => synthStacks(sagemaker)).toThrow('sizing.training.engine is sagemaker, which Azure cannot run; on Azure it must be embedded or databricks');
  });

  it('fails the synth of Databricks training with a private lake (prod\'s network), which its job clusters cannot reach', () => {
    const privateLake = withChange(environmentNamed('prod'), (env) => (env.sizing.training.engine = { aws: 'sagemaker', azure: 'databricks' }));
    expect(() => synthStacks(privateLake)).toThrow(/sizing\.training\.engine gives Azure databricks, and network\.publicAccess is false/);
  });
});
