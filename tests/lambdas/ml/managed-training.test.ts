/**
 * The managed (SageMaker) training path around the jobs, on the Olist sample
 * in a real folder lake with DuckDB: the export writes what the training job
 * and the evaluation transform read; the test writes what the transform
 * would write back; the collect step turns it into the run's candidate, which
 * the unchanged evaluation step then judges. SageMaker is not called.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNamed } from '../../support/catalog.ts';

const sellerChurn = modelNamed('seller-churn');
import { HANDLER_FACTORIES, type HandlerPorts } from '../../../lambdas/handlers/index.ts';
import { handlerSettings } from '../../../lambdas/handlers/handler-ports.ts';
import type { Candidate } from '../../../lambdas/ml/candidates.ts';
import { collectManagedModel, recordedParameters, type CollectedModel, type ManagedJob } from '../../../lambdas/ml/collect-managed-model.ts';
import { evaluateModel } from '../../../lambdas/ml/evaluate-model.ts';
import { exportTrainingData, managedPrefix } from '../../../lambdas/ml/export-training-data.ts';
import { readTrainingSet } from '../../../lambdas/ml/read-training-set.ts';
import { buildTrainingSet, handlerPortsOn, openSampleFeatureLake, storeOf } from '../../workloads/olist/ml/sample-lake.ts';
import { closeDatabase, type TestLake } from '../../pipelines/support/lake.ts';
import { environmentNamed } from '../../support/environments.ts';

const PROD = environmentNamed('prod');
const MODELS = PROD.models;
const RUN_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** The hyperparameters as DescribeTrainingJob reports them after the job the stack renders. */
const HYPERPARAMETERS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(MODELS.classifier.gradientBoosting).map(([name, value]) => [name, String(value)])),
  seed: String(MODELS.classifier.seed),
  objective: 'binary:logistic',
  eval_metric: 'auc',
};

function job(runId: string): ManagedJob {
  return {
    trainingJobName: `strata-prod-churn-t0-${runId}`,
    modelName: `strata-prod-churn-${runId}`,
    modelDataUrl: `s3://strata-prod-refined-111111111111-eu-west-1/${managedPrefix(runId, 'seller-churn')}/output/strata-prod-churn-t0-${runId}/output/model.tar.gz`,
    hyperParameters: HYPERPARAMETERS,
    trainingSeconds: 95,
    billableSeconds: 31,
  };
}

const refined = (lake: TestLake, key: string) => join(lake.root, 'refined', key);

/**
 * What a batch transform of SageMaker XGBoost writes for evaluation.csv: one
 * probability per input line, in order (a stand-in model: the longer since
 * the last sale, the likelier to churn).
 */
function simulateTransform(lake: TestLake, runId: string, options: { drop?: number; line?: (index: number, value: string) => string } = {}): number[] {
  const prefix = managedPrefix(runId, 'seller-churn');
  const rows = readFileSync(refined(lake, `${prefix}/evaluation/evaluation.csv`), 'utf8').trimEnd().split('\n');
  const recency = featureNames.indexOf('recency_days');
  const predictions = rows.map((row) => {
    const value = Number(row.split(',')[recency]);
    return Number.isFinite(value) ? Number((value / (value + 30)).toFixed(6)) : 0.5;
  });
  const kept = predictions.slice(0, predictions.length - (options.drop ?? 0));
  const text = kept.map((value, index) => (options.line ? options.line(index, String(value)) : String(value))).join('\n');
  const output = refined(lake, `${prefix}/predictions/evaluation/evaluation.csv.out`);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${text}\n`);
  return kept;
}

/** The exported features, in the CSV's column order. */
let featureNames: string[] = [];

describe('managed training around the SageMaker jobs (SageMaker not called)', () => {
  let lake: TestLake;
  let exported: Awaited<ReturnType<typeof exportTrainingData>>;
  let predictions: number[];
  let collected: CollectedModel;
  beforeAll(async () => {
    lake = await openSampleFeatureLake();
    await buildTrainingSet(lake.engine, 'seller-churn', MODELS);
    exported = await exportTrainingData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID });
    featureNames = [...exported.features];
    predictions = simulateTransform(lake, RUN_ID);
    collected = await collectManagedModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, job: job(RUN_ID) });
  }, 120_000);
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('exports what the job reads under the run\'s managed prefix: label-first CSV for train and validation, features only for evaluation', async () => {
    const set = await readTrainingSet(lake.engine, modelNamed('seller-churn'));
    const prefix = managedPrefix(RUN_ID, 'seller-churn');
    const lines = (path: string) => readFileSync(refined(lake, `${prefix}/${path}`), 'utf8').trimEnd().split('\n');
    const width = set.features.length;
    expect(lines('train/train.csv')).toHaveLength(set.split!.filter((split) => split === 'train').length);
    expect(lines('validation/validation.csv')).toHaveLength(set.split!.filter((split) => split === 'test').length);
    expect(lines('evaluation/evaluation.csv')).toHaveLength(set.matrix.rows);
    expect(lines('train/train.csv')[0]!.split(',')).toHaveLength(width + 1);
    expect(['0', '1']).toContain(lines('train/train.csv')[0]!.split(',')[0]);
    expect(lines('evaluation/evaluation.csv')[0]!.split(',')).toHaveLength(width);
  });

  it('stores the run\'s xgboost candidate: the SageMaker model, its predictions in training-set order, what it was trained on and with', async () => {
    const candidate = JSON.parse(readFileSync(refined(lake, `_ml/runs/${RUN_ID}/seller-churn/candidates/xgboost.json`), 'utf8')) as Candidate;
    const set = await readTrainingSet(lake.engine, modelNamed('seller-churn'));
    expect(candidate).toMatchObject({ model: 'seller-churn', algorithm: 'xgboost', engine: 'sagemaker', features: set.features, trainingSeconds: 95 });
    expect(candidate.artifact).toEqual({
      kind: 'sagemaker-xgboost',
      trainingJobName: job(RUN_ID).trainingJobName,
      sageMakerModelName: job(RUN_ID).modelName,
      modelDataUrl: job(RUN_ID).modelDataUrl,
      predictions,
      trainingSetSha256: set.sha256,
    });
    const dates = set.ids.map((id) => id.dtReference).sort();
    expect(candidate.trainedOn).toEqual({ rows: set.split!.filter((split) => split === 'train').length, sha256: set.sha256, firstSnapshot: dates[0], lastSnapshot: dates.at(-1) });
    expect(candidate.parameters).toEqual({ ...MODELS.classifier.gradientBoosting, seed: MODELS.classifier.seed, objective: 'binary:logistic', eval_metric: 'auc' });
    expect(candidate.timings).toEqual({ trainingJob: 95, billable: 31 });
  });

  it('answers where the embedded train step does, in its shape', () => {
    expect(collected).toMatchObject({
      model: 'seller-churn',
      engine: 'sagemaker',
      candidates: [{ algorithm: 'xgboost', seconds: 95, rows: exported.rows.train }],
      features: exported.features.length,
      trainingJobName: job(RUN_ID).trainingJobName,
      sageMakerModelName: job(RUN_ID).modelName,
      modelDataUrl: job(RUN_ID).modelDataUrl,
      rowsIn: exported.rows.evaluation,
    });
  });

  it('is judged by the unchanged evaluation step, on the predictions it holds', async () => {
    const evaluation = await evaluateModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS });
    expect(evaluation.challenger).toBe('xgboost');
    expect(evaluation.candidates.map((candidate) => candidate.algorithm)).toEqual(['xgboost']);
    const metrics = evaluation.candidates[0]!.metrics;
    for (const name of ['auc_train', 'auc_test', 'auc_oot']) {
      expect(metrics[name], name).toBeGreaterThan(0.5);
      expect(metrics[name], name).toBeLessThanOrEqual(1);
    }
  });

  it('records SageMaker\'s hyperparameter strings as numbers where they are numbers', () => {
    expect(recordedParameters({ eta: '0.1', objective: 'binary:logistic', num_round: '200', blank: '' })).toEqual({ blank: '', eta: 0.1, num_round: 200, objective: 'binary:logistic' });
  });

  describe('refuses what does not line up', () => {
    it('a transform output with fewer lines than rows sent', async () => {
      const runId = 'run-20260101T030000Z-short1';
      await exportTrainingData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId });
      simulateTransform(lake, runId, { drop: 2 });
      await expect(collectManagedModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId, job: job(runId) })).rejects.toThrow(
        new RegExp(`holds ${exported.rows.evaluation - 2} predictions, and ${exported.rows.evaluation} rows were sent to the batch transform`),
      );
    });

    it('a line that is not a probability', async () => {
      const runId = 'run-20260101T030000Z-nanval';
      await exportTrainingData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId });
      simulateTransform(lake, runId, { line: (index, value) => (index === 4 ? 'error' : value) });
      await expect(collectManagedModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId, job: job(runId) })).rejects.toThrow(
        /line 5 of refined\/_ml\/runs\/run-20260101T030000Z-nanval\/seller-churn\/managed\/predictions\/evaluation\/evaluation\.csv\.out is "error"; expected a probability from 0 to 1/,
      );
    });

    it('a missing transform output, saying which step did not run', async () => {
      const runId = 'run-20260101T030000Z-nojobs';
      await exportTrainingData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId });
      await expect(collectManagedModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId, job: job(runId) })).rejects.toThrow(/did the batch transform run\?/);
    });

    it('a training set rebuilt after the export (the predictions would belong to other rows)', async () => {
      const runId = 'run-20260101T030000Z-rebuilt';
      await exportTrainingData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId });
      simulateTransform(lake, runId);
      await buildTrainingSet(lake.engine, 'seller-churn', { ...MODELS, classifier: { ...MODELS.classifier, seed: MODELS.classifier.seed + 1 } });
      try {
        await expect(collectManagedModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId, job: job(runId) })).rejects.toThrow(
          /refined abt_churn changed after it was exported for run run-20260101T030000Z-rebuilt/,
        );
      } finally {
        await buildTrainingSet(lake.engine, 'seller-churn', MODELS);
      }
    });
  });

  describe('the collect-managed-model handler', () => {
    let ports: HandlerPorts;
    beforeAll(() => {
      ports = handlerPortsOn(lake, handlerSettings(PROD, '0.1.0+test'));
    });

    it('takes the state machine\'s payload and collects the candidate', async () => {
      const { trainingJobName, modelName, modelDataUrl, hyperParameters, trainingSeconds, billableSeconds } = job(RUN_ID);
      const result = (await HANDLER_FACTORIES['collect-managed-model'](ports)({
        model: 'seller-churn',
        runId: RUN_ID,
        trainingJobName,
        modelName,
        modelDataUrl,
        hyperParameters,
        trainingSeconds,
        billableSeconds,
      })) as CollectedModel;
      expect(result).toMatchObject({ model: 'seller-churn', engine: 'sagemaker', trainingJobName, sageMakerModelName: modelName });
    });

    it('names the field that is wrong', async () => {
      const handler = HANDLER_FACTORIES['collect-managed-model'](ports);
      const { hyperParameters, ...rest } = { model: 'seller-churn', runId: RUN_ID, ...job(RUN_ID) };
      await expect(handler({ ...rest, hyperParameters: { eta: 0.1 } })).rejects.toThrow(/collect-managed-model: event field "hyperParameters" must be an object of strings/);
      await expect(handler({ ...rest, hyperParameters, trainingJobName: '' })).rejects.toThrow(/collect-managed-model: event field "trainingJobName" must be a non-empty string/);
      await expect(handler({ ...rest, hyperParameters, trainingSeconds: 'slow' })).rejects.toThrow(/event field "trainingSeconds" must be a number of seconds/);
    });
  });
});
