/**
 * What every managed XGBoost engine (SageMaker on AWS, a Databricks job on
 * Azure) is given and leaves, so both train the same model from the same
 * export and the collect step reads one layout:
 *
 *   <managedPrefix>/train/train.csv, validation/validation.csv, evaluation/evaluation.csv, features.json   the export
 *   <managedPrefix>/predictions/evaluation/evaluation.csv.out    every training-set row scored, in order
 *   <managedPrefix>/scoring/scoring.csv -> predictions/scoring/scoring.csv.out   the champion's scoring
 *
 * A Databricks job also writes the model and what it ran with under output/
 * (DATABRICKS_OUTPUT), which a SageMaker job reports through its API instead.
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import { catalogFor } from '../../pipelines/workloads/registry.ts';

/** Models a managed engine trains (SageMaker on AWS, the Databricks job on Azure): those with a managed algorithm. */
export function managedModels(environment: { readonly workloads: readonly string[] }): ModelDefinition[] {
  return catalogFor(environment.workloads).models.filter((model) => model.managedAlgorithm === 'xgboost');
}

/** A model's hyperparameters as the managed XGBoost receives them: its settings' (config/model-settings.ts), as strings. */
export function xgboostHyperparameters(models: ModelSettings, model: ModelDefinition): Record<string, string> {
  const classifier = settingsFor(models, model).classifier;
  return {
    ...Object.fromEntries(Object.entries(classifier.gradientBoosting).map(([name, value]) => [name, String(value)])),
    seed: String(classifier.seed),
    objective: 'binary:logistic',
    eval_metric: 'auc',
  };
}

/** The Databricks job's parameters, which a run passes (Data Factory's jobParameters); each has a default, as the Jobs API requires. */
export const TRAINING_JOB_PARAMETERS = { runId: 'run_id', mode: 'mode', modelKey: 'model_key' } as const;
export type TrainingJobMode = 'train' | 'score';

/** Where a Databricks training job leaves its model and its run record, under the run's managed prefix. */
export const DATABRICKS_OUTPUT = {
  /** The booster in XGBoost's JSON format (portable across XGBoost versions). */
  model: 'output/model.json',
  /** What the job ran with and how long it took (DatabricksTrainingRecord). */
  record: 'output/training.json',
} as const;

/** The run record a Databricks training job writes (stacks/azure/workspace/xgboost_job.py). */
export interface DatabricksTrainingRecord {
  readonly engine: 'databricks';
  /** As the job trained with them: names to strings, as SageMaker reports its own. */
  readonly hyperParameters: Readonly<Record<string, string>>;
  readonly trainingSeconds: number;
  readonly xgboostVersion: string;
  /** The Databricks job run, when the job ran on Databricks. */
  readonly databricksRunId?: string;
  /** The MLflow run the job logged to, when MLflow was there. */
  readonly mlflowRunId?: string;
}
