/**
 * After a managed training job and its batch transform (SageMaker on AWS), or
 * the Databricks job that trains and scores in one run (Azure): the model and
 * its predictions for every row of the training set, recorded as the run's
 * `xgboost` candidate, where the embedded engine leaves its own. The
 * evaluation, gate and register steps then treat it like any candidate,
 * scoring it by the predictions it holds.
 */
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import type { Candidate } from './candidates.ts';
import { managedPrefix } from './export-training-data.ts';
import { DATABRICKS_OUTPUT, type DatabricksTrainingRecord } from './managed-xgboost.ts';
import { readJson, readText, runPrefix, writeJson } from './model-artifacts.ts';
import { readTrainingSet, type TrainingSet } from './read-training-set.ts';

/** What a batch transform writes for an input object: `<output prefix>/<input file name>.out`. */
export const transformOutputKey = (outputPrefix: string, inputFile: string) => `${outputPrefix}/${inputFile}.out`;

/**
 * A batch transform's output, one prediction per line in input order
 * (SplitType and AssembleWith Line): the first CSV field of each line, which
 * must be a probability. Exactly `rows` lines, or the transform and its input
 * disagree.
 */
export async function readTransformPredictions(store: ObjectStore, key: string, rows: number, what: string, producer = 'the batch transform'): Promise<Float64Array> {
  let text: string;
  try {
    text = await readText(store, key);
  } catch (error) {
    throw new Error(`${what}: refined/${key} cannot be read (${(error as Error).message.split('\n')[0]}); did ${producer} run?`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines.length !== rows) {
    throw new Error(`${what}: refined/${key} holds ${lines.length} prediction${lines.length === 1 ? '' : 's'}, and ${rows} row${rows === 1 ? ' was' : 's were'} sent to ${producer}`);
  }
  const predictions = new Float64Array(rows);
  lines.forEach((line, index) => {
    const field = line.split(',')[0]!.trim().replace(/^\[|\]$/g, '');
    const value = field === '' ? Number.NaN : Number(field);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new RangeError(`${what}: line ${index + 1} of refined/${key} is "${line}"; expected a probability from 0 to 1`);
    }
    predictions[index] = value;
  });
  return predictions;
}

/** The hyperparameters SageMaker reports (all strings) as the candidate records them: numbers where they are numbers. */
export function recordedParameters(hyperParameters: Readonly<Record<string, string>>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(hyperParameters)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => [name, value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value]),
  );
}

function snapshotRange(set: TrainingSet): { firstSnapshot: string; lastSnapshot: string } {
  const dates = set.ids.map((id) => id.dtReference).sort();
  return { firstSnapshot: dates[0] ?? '', lastSnapshot: dates.at(-1) ?? '' };
}

export interface ManagedJob {
  readonly trainingJobName: string;
  /** The SageMaker model created from the job's artifact (batch transforms score with it). */
  readonly modelName: string;
  /** `s3://.../output/<job>/output/model.tar.gz`. */
  readonly modelDataUrl: string;
  /** As the job ran with them (DescribeTrainingJob's HyperParameters). */
  readonly hyperParameters: Readonly<Record<string, string>>;
  readonly trainingSeconds?: number;
  readonly billableSeconds?: number;
}

export interface CollectedModel {
  readonly model: string;
  readonly engine: 'sagemaker';
  /** As the embedded train step reports them, so the state has one shape. */
  readonly candidates: readonly { readonly algorithm: 'xgboost'; readonly seconds: number; readonly rows: number }[];
  readonly features: number;
  readonly trainingJobName: string;
  readonly sageMakerModelName: string;
  readonly modelDataUrl: string;
  readonly timings: Readonly<Record<string, number>>;
  readonly rowsIn: number;
  readonly rowsOut: number;
}

/** The managed model's training set as it is now, checked against the export, and the job's predictions of its rows. */
async function exportedRowsAndPredictions(ports: { engine: QueryEngine; store: ObjectStore }, model: ModelDefinition, runId: string, what: string, producer: string) {
  const prefix = managedPrefix(runId, model.name);
  const exported = await readJson<{ features: string[]; sha256: string }>(ports.store, `${prefix}/features.json`, `the features exported for ${model.name}'s training job`);
  const set = await readTrainingSet(ports.engine, model);
  if (set.sha256 !== exported.sha256) {
    throw new Error(
      `refined ${model.trainingSet} changed after it was exported for run ${runId} (sha256 ${exported.sha256.slice(0, 12)}… then, ${set.sha256.slice(0, 12)}… now); ` +
        `the predictions of ${producer} no longer line up with its rows: re-run the retrain flow`,
    );
  }
  if (set.features.join(',') !== exported.features.join(',')) {
    throw new Error(`${model.trainingSet}: features differ from those exported for run ${runId}; re-run the retrain flow`);
  }
  const predictions = await readTransformPredictions(ports.store, transformOutputKey(`${prefix}/predictions/evaluation`, 'evaluation.csv'), set.matrix.rows, what, producer);
  const trainRows = set.split ? set.split.filter((split) => split === 'train').length : set.matrix.rows;
  return { prefix, exported, set, predictions, trainRows };
}

export async function collectManagedModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; job: ManagedJob },
): Promise<CollectedModel> {
  const { model, runId, job } = request;
  if (model.managedAlgorithm !== 'xgboost') throw new Error(`model ${model.name} has no managed algorithm; only ${'xgboost'} models are trained by SageMaker`);
  const { exported, set, predictions, trainRows } = await exportedRowsAndPredictions(ports, model, runId, `${model.name} batch transform of run ${runId}`, 'the batch transform');

  const trainingSeconds = job.trainingSeconds ?? 0;
  const timings: Record<string, number> = { trainingJob: trainingSeconds, ...(job.billableSeconds === undefined ? {} : { billable: job.billableSeconds }) };
  const candidate: Candidate = {
    model: model.name,
    algorithm: 'xgboost',
    engine: 'sagemaker',
    features: exported.features,
    parameters: recordedParameters(job.hyperParameters),
    trainedOn: { rows: trainRows, sha256: set.sha256, ...snapshotRange(set) },
    trainingSeconds,
    timings,
    artifact: {
      kind: 'sagemaker-xgboost',
      trainingJobName: job.trainingJobName,
      sageMakerModelName: job.modelName,
      modelDataUrl: job.modelDataUrl,
      predictions: Array.from(predictions),
      trainingSetSha256: set.sha256,
    },
  };
  await writeJson(ports.store, `${runPrefix(runId, model.name)}/candidates/xgboost.json`, candidate);
  return {
    model: model.name,
    engine: 'sagemaker',
    candidates: [{ algorithm: 'xgboost', seconds: trainingSeconds, rows: trainRows }],
    features: exported.features.length,
    trainingJobName: job.trainingJobName,
    sageMakerModelName: job.modelName,
    modelDataUrl: job.modelDataUrl,
    timings,
    rowsIn: predictions.length,
    rowsOut: 1,
  };
}

/** What the collect step reports after a Databricks job: the same shape as the embedded train step's. */
export interface CollectedDatabricksModel {
  readonly model: string;
  readonly engine: 'databricks';
  readonly candidates: readonly { readonly algorithm: 'xgboost'; readonly seconds: number; readonly rows: number }[];
  readonly features: number;
  /** The booster in refined, which the scoring job loads. */
  readonly modelKey: string;
  readonly databricksRunId?: string;
  readonly timings: Readonly<Record<string, number>>;
  readonly rowsIn: number;
  readonly rowsOut: number;
}

/**
 * After the Databricks XGBoost job (Azure, sizing.training.engine databricks):
 * its run record, model and predictions, read from where the job left them
 * under the run's managed prefix (lambdas/ml/managed-xgboost.ts), recorded as
 * the run's xgboost candidate exactly as a SageMaker job's is.
 */
export async function collectDatabricksModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string },
): Promise<CollectedDatabricksModel> {
  const { model, runId } = request;
  if (model.managedAlgorithm !== 'xgboost') throw new Error(`model ${model.name} has no managed algorithm; only ${'xgboost'} models are trained by the Databricks job`);
  const prefix = managedPrefix(runId, model.name);
  const record = await readJson<DatabricksTrainingRecord>(ports.store, `${prefix}/${DATABRICKS_OUTPUT.record}`, `the run record of ${model.name}'s Databricks training job`);
  if (record.engine !== 'databricks') throw new Error(`refined/${prefix}/${DATABRICKS_OUTPUT.record} was not written by the Databricks job (engine ${String(record.engine)})`);
  const modelKey = `${prefix}/${DATABRICKS_OUTPUT.model}`;
  if (!(await ports.store.list('refined', modelKey)).some((object) => object.key === modelKey)) {
    throw new Error(`${model.name} Databricks job of run ${runId}: refined/${modelKey} is missing; the job wrote its record without its model`);
  }
  const { exported, set, predictions, trainRows } = await exportedRowsAndPredictions(ports, model, runId, `${model.name} Databricks job of run ${runId}`, 'the Databricks job');
  const trainingSeconds = record.trainingSeconds;
  const timings: Record<string, number> = { trainingJob: trainingSeconds };
  const candidate: Candidate = {
    model: model.name,
    algorithm: 'xgboost',
    engine: 'databricks',
    features: exported.features,
    parameters: recordedParameters(record.hyperParameters),
    trainedOn: { rows: trainRows, sha256: set.sha256, ...snapshotRange(set) },
    trainingSeconds,
    timings,
    artifact: {
      kind: 'databricks-xgboost',
      modelKey,
      ...(record.databricksRunId === undefined ? {} : { databricksRunId: record.databricksRunId }),
      ...(record.mlflowRunId === undefined ? {} : { mlflowRunId: record.mlflowRunId }),
      xgboostVersion: record.xgboostVersion,
      predictions: Array.from(predictions),
      trainingSetSha256: set.sha256,
    },
  };
  await writeJson(ports.store, `${runPrefix(runId, model.name)}/candidates/xgboost.json`, candidate);
  return {
    model: model.name,
    engine: 'databricks',
    candidates: [{ algorithm: 'xgboost', seconds: trainingSeconds, rows: trainRows }],
    features: exported.features.length,
    modelKey,
    ...(record.databricksRunId === undefined ? {} : { databricksRunId: record.databricksRunId }),
    timings,
    rowsIn: predictions.length,
    rowsOut: 1,
  };
}
