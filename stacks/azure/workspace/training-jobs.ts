/**
 * Managed training on Azure (`sizing.training.engine` databricks): one
 * Databricks job per managed model, running xgboost_job.py on a job cluster
 * that follows `sizing.databricks` under the sizing cluster policy, as the ml
 * handlers' service principal, so it reads and writes the lake with the ml
 * class's Unity Catalog grants and nothing more. The retrain pipeline runs
 * it (Data Factory's Databricks Job activity) between the export and the
 * collect steps, in train mode, and again in score mode for a champion it
 * trained (stacks/azure/flows/data-factory-activities.ts).
 *
 * One job per model, not one parameterised job: the hyperparameters are the
 * model's settings, fixed at synth as SageMaker's are, so a run passes only
 * its id, the mode and (to score) the champion's model.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Construct } from 'constructs';
import { Job } from '@cdktf/provider-databricks/lib/job/index.js';
import { Permissions } from '@cdktf/provider-databricks/lib/permissions/index.js';
import { WorkspaceFile } from '@cdktf/provider-databricks/lib/workspace-file/index.js';
import type { Environment } from '../../../config/schema.ts';
import { managedPrefix } from '../../../lambdas/ml/export-training-data.ts';
import { managedModels, TRAINING_JOB_PARAMETERS, xgboostHyperparameters, type TrainingJobMode } from '../../../lambdas/ml/managed-xgboost.ts';
import type { ModelDefinition, ModelName } from '../../../pipelines/models/index.ts';
import { platformTags, resourceName } from '../../shared/naming.ts';
import { jobClusterSpec } from '../databricks-sizing.ts';

/** The job's code, checked in beside this file and tested locally (tests/stacks/azure/xgboost-job.test.ts). */
export const XGBOOST_JOB_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'xgboost_job.py');

/**
 * XGBoost from PyPI on the job cluster: the standard runtime has none, and
 * pinning it keeps a model's JSON the same from run to run. The ML runtimes
 * (`-cpu-ml-` sparkVersion) ship their own, so they get no library.
 */
export const XGBOOST_PYPI_PACKAGE = 'xgboost==1.7.6';

/** The job cluster's key inside each job. */
const CLUSTER_KEY = 'xgboost';

export interface TrainingJobsProps {
  readonly environment: Environment;
  readonly version: string;
  /** The sizing cluster policy the job cluster is created under. */
  readonly policyId: string;
  /** The ml handlers' Databricks service principal (application id): the jobs run as it and Data Factory starts them as it. */
  readonly mlPrincipal: string;
  /** `abfss://refined@<account>.dfs.core.windows.net/`. */
  readonly refinedUrl: string;
  /**
   * Workspace folder of the MLflow experiments; the job logs its run to `<folder>/strata-<env>/<model>`, beside the register step's.
   * @default - not tracked (sizing.mlflow.mode off)
   */
  readonly mlflowExperimentFolder?: string;
}

/** Where the job's code lives in the workspace. */
export const jobFolder = (environment: Environment) => `/Shared/strata-jobs/${resourceName(environment)}`;

/**
 * The job cluster: the policy's job-cluster spec (databricks-sizing.ts), in
 * the provider's names, in dedicated (single user) access mode for the
 * run-as principal, which Unity Catalog needs to apply its grants to the
 * job's reads and writes of the lake.
 */
export function trainingCluster(environment: Environment, version: string, policyId: string, principal: string) {
  const spec = jobClusterSpec(environment, version, policyId) as {
    spark_version: string;
    node_type_id: string;
    driver_node_type_id: string;
    autoscale: { min_workers: number; max_workers: number };
    azure_attributes: { availability: string; first_on_demand?: number; spot_bid_max_price?: number };
    policy_id: string;
    apply_policy_default_values: boolean;
    custom_tags: Record<string, string>;
  };
  const azure = spec.azure_attributes;
  return {
    sparkVersion: spec.spark_version,
    nodeTypeId: spec.node_type_id,
    driverNodeTypeId: spec.driver_node_type_id,
    autoscale: { minWorkers: spec.autoscale.min_workers, maxWorkers: spec.autoscale.max_workers },
    azureAttributes: {
      availability: azure.availability,
      ...(azure.first_on_demand === undefined ? {} : { firstOnDemand: azure.first_on_demand }),
      ...(azure.spot_bid_max_price === undefined ? {} : { spotBidMaxPrice: azure.spot_bid_max_price }),
    },
    policyId: spec.policy_id,
    applyPolicyDefaultValues: spec.apply_policy_default_values,
    customTags: { ...spec.custom_tags, 'strata:flow': 'retrain' },
    dataSecurityMode: 'SINGLE_USER',
    singleUserName: principal,
  };
}

/** The script's arguments for a model: the run's values by job-parameter reference, the rest fixed at synth. */
export function trainingTaskParameters(environment: Environment, model: ModelDefinition, props: Pick<TrainingJobsProps, 'refinedUrl' | 'mlflowExperimentFolder'>): string[] {
  const parameter = (name: string) => `{{job.parameters.${name}}}`;
  const runId = parameter(TRAINING_JOB_PARAMETERS.runId);
  return [
    '--mode', parameter(TRAINING_JOB_PARAMETERS.mode),
    '--lake', props.refinedUrl.replace(/\/+$/, ''),
    '--prefix', managedPrefix(runId, model.name),
    '--model', model.name,
    '--run-id', runId,
    '--hyperparameters', JSON.stringify(xgboostHyperparameters(environment.models, model)),
    '--model-key', parameter(TRAINING_JOB_PARAMETERS.modelKey),
    '--experiment', props.mlflowExperimentFolder === undefined ? '' : `${props.mlflowExperimentFolder}/${resourceName(environment)}/${model.name}`,
    '--databricks-run-id', '{{job.run_id}}',
  ];
}

export class TrainingJobs extends Construct {
  readonly code: WorkspaceFile;
  /** Per managed model. */
  readonly jobs: Record<ModelName, Job>;

  constructor(scope: Construct, id: string, props: TrainingJobsProps) {
    super(scope, id);
    const { environment, version } = props;
    const models = managedModels(environment);
    if (models.length === 0) throw new Error(`sizing.training.engine gives Azure databricks, and no model of the workloads (${environment.workloads.join(', ')}) has a managed algorithm`);

    // The file's content in the configuration, not a path: the Terraform JSON then holds no path of the
    // machine that synthesized it, and a change to the script is a change to the plan.
    this.code = new WorkspaceFile(this, 'code', {
      path: `${jobFolder(environment)}/xgboost_job.py`,
      contentBase64: readFileSync(XGBOOST_JOB_SOURCE).toString('base64'),
    });

    const sizing = environment.sizing.training;
    const mlRuntime = /-ml-/.test(environment.sizing.databricks.sparkVersion);
    this.jobs = {};
    for (const model of models) {
      const key = model.name.replaceAll('-', '_');
      const job = new Job(this, `job_${key}`, {
        name: resourceName(environment, model.name, 'xgboost'),
        description: `Strata ${environment.name}: trains (mode train) and scores (mode score) ${model.name} with XGBoost for the retrain pipeline.`,
        parameter: [
          { name: TRAINING_JOB_PARAMETERS.runId, default: '' },
          { name: TRAINING_JOB_PARAMETERS.mode, default: 'train' satisfies TrainingJobMode },
          { name: TRAINING_JOB_PARAMETERS.modelKey, default: '' },
        ],
        jobCluster: [{ jobClusterKey: CLUSTER_KEY, newCluster: trainingCluster(environment, version, props.policyId, props.mlPrincipal) }],
        task: [
          {
            taskKey: 'xgboost',
            jobClusterKey: CLUSTER_KEY,
            sparkPythonTask: { pythonFile: this.code.workspacePath, source: 'WORKSPACE', parameters: trainingTaskParameters(environment, model, props) },
            ...(mlRuntime ? {} : { library: [{ pypi: { package: XGBOOST_PYPI_PACKAGE } }] }),
            // The pipeline's activity fails and the run ends: no retries inside a run, as on AWS (a failed job is not retried).
            maxRetries: 0,
          },
        ],
        runAs: { servicePrincipalName: props.mlPrincipal },
        // As SageMaker's stopping condition: sizing.training.maxRuntimeMinutes.
        timeoutSeconds: sizing.maxRuntimeMinutes * 60,
        // The retrain pipeline runs one at a time (concurrency 1); a second run of the job would be a stray one.
        maxConcurrentRuns: 1,
        tags: { ...platformTags(environment, version), 'strata:flow': 'retrain', 'strata:model': model.name },
      });
      // databricks_permissions is authoritative per job: the ml principal starts and watches runs (Data Factory signs in as it).
      new Permissions(this, `job_${key}_runners`, {
        jobId: job.id,
        accessControl: [{ servicePrincipalName: props.mlPrincipal, permissionLevel: 'CAN_MANAGE_RUN' }],
      });
      this.jobs[model.name] = job;
    }
    // The run-as principal creates the job cluster under the policy, so it may use the policy (and no other).
    new Permissions(this, 'policy_users', {
      clusterPolicyId: props.policyId,
      accessControl: [{ servicePrincipalName: props.mlPrincipal, permissionLevel: 'CAN_USE' }],
    });
  }
}
