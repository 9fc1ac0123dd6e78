/**
 * The Databricks job's Python (stacks/azure/workspace/xgboost_job.py), run
 * here with python3 on the Olist sample in a real folder lake: the real
 * export handler writes what the job reads, the job trains XGBoost and
 * writes back, the real collect handler takes what it wrote as the run's
 * candidate, and the unchanged evaluation step judges it; then, as champion,
 * the real scoring export, the job in score mode and the real load step.
 * Databricks is not here: dbutils and the job cluster are not exercised, only
 * the same code on a folder (--lake), which is where the two paths part.
 *
 * Skipped, saying so in its name, when python3 lacks xgboost or numpy (a CI
 * image without them); nothing else stands in for the job. What the collect
 * step says when the job left too little runs without python.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_FACTORIES, type HandlerPorts } from '../../../lambdas/handlers/index.ts';
import { handlerSettings } from '../../../lambdas/handlers/handler-ports.ts';
import type { Candidate } from '../../../lambdas/ml/candidates.ts';
import type { CollectedDatabricksModel } from '../../../lambdas/ml/collect-managed-model.ts';
import { evaluateModel } from '../../../lambdas/ml/evaluate-model.ts';
import type { ExportedScoringData } from '../../../lambdas/ml/export-scoring-data.ts';
import { managedPrefix, type ExportedTrainingData } from '../../../lambdas/ml/export-training-data.ts';
import { championKey } from '../../../lambdas/ml/gate-model.ts';
import { DATABRICKS_OUTPUT, xgboostHyperparameters, type DatabricksTrainingRecord } from '../../../lambdas/ml/managed-xgboost.ts';
import type { LoadedScores } from '../../../lambdas/ml/load-managed-scores.ts';
import { versionPrefix, writeJson } from '../../../lambdas/ml/model-artifacts.ts';
import { closeDatabase, type TestLake } from '../../pipelines/support/lake.ts';
import { modelNamed } from '../../support/catalog.ts';
import { environmentNamed } from '../../support/environments.ts';
import { buildTrainingSet, handlerPortsOn, openSampleFeatureLake, storeOf } from '../../workloads/olist/ml/sample-lake.ts';

const JOB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'stacks', 'azure', 'workspace', 'xgboost_job.py');
/** The first Python that has the job's modules: STRATA_PYTHON, python3 on the PATH, the system's (Debian's python3-xgboost). */
const PYTHON = [process.env.STRATA_PYTHON, 'python3', '/usr/bin/python3']
  .filter((candidate): candidate is string => candidate !== undefined && candidate !== '')
  .find((candidate) => spawnSync(candidate, ['-c', 'import numpy, xgboost'], { encoding: 'utf8' }).status === 0);
const hasModules = PYTHON !== undefined;

const PROD = environmentNamed('prod');
const sellerChurn = modelNamed('seller-churn');
const RUN_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const SCORING_RUN_ID = '6fa459ea-ee8a-4ca4-894e-db77e160355e';

function runJob(lake: TestLake, args: string[]): void {
  const result = spawnSync(PYTHON!, [JOB, '--lake', join(lake.root, 'refined'), '--model', sellerChurn.name, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`xgboost_job.py ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
}

const refinedFile = (lake: TestLake, key: string) => join(lake.root, 'refined', key);

/** One sample lake for the whole file (opening it is most of the file's time); each part uses its own run. */
let lake: TestLake;
let ports: HandlerPorts;
beforeAll(async () => {
  lake = await openSampleFeatureLake();
  await buildTrainingSet(lake.engine, sellerChurn.name, PROD.models);
  ports = handlerPortsOn(lake, handlerSettings(PROD, '0.1.0+test', 'databricks'));
}, 120_000);
afterAll(async () => {
  await lake.close();
  closeDatabase();
});

describe.skipIf(!hasModules)(
  `the Databricks XGBoost job's code on the export handler's files${hasModules ? '' : ' (skipped: python3 with numpy and xgboost is not installed here)'}`,
  () => {
    let exported: ExportedTrainingData;
    let collected: CollectedDatabricksModel;
    const prefix = managedPrefix(RUN_ID, sellerChurn.name);
    beforeAll(async () => {
      exported = (await HANDLER_FACTORIES['export-training-data'](ports)({ model: sellerChurn.name, runId: RUN_ID })) as ExportedTrainingData;
      runJob(lake, ['--mode', 'train', '--prefix', prefix, '--run-id', RUN_ID, '--hyperparameters', JSON.stringify(xgboostHyperparameters(PROD.models, sellerChurn)), '--databricks-run-id', '42']);
      collected = (await HANDLER_FACTORIES['collect-managed-model'](ports)({ model: sellerChurn.name, runId: RUN_ID, engine: 'databricks' })) as CollectedDatabricksModel;
    }, 240_000);

    it('leaves one probability per evaluation row, the model and its run record where the collect step reads them', () => {
      const lines = readFileSync(refinedFile(lake, `${prefix}/predictions/evaluation/evaluation.csv.out`), 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(exported.rows.evaluation);
      for (const line of lines) expect(Number(line)).toBeGreaterThanOrEqual(0);
      expect(existsSync(refinedFile(lake, `${prefix}/${DATABRICKS_OUTPUT.model}`))).toBe(true);
      const record = JSON.parse(readFileSync(refinedFile(lake, `${prefix}/${DATABRICKS_OUTPUT.record}`), 'utf8')) as DatabricksTrainingRecord;
      expect(record).toMatchObject({ engine: 'databricks', hyperParameters: xgboostHyperparameters(PROD.models, sellerChurn), databricksRunId: '42' });
      expect(record.trainingSeconds).toBeGreaterThan(0);
    });

    it('is collected as the run\'s xgboost candidate, trained with the settings SageMaker would get', () => {
      expect(collected).toMatchObject({
        model: sellerChurn.name,
        engine: 'databricks',
        candidates: [{ algorithm: 'xgboost', rows: exported.rows.train }],
        features: exported.features.length,
        modelKey: `${prefix}/${DATABRICKS_OUTPUT.model}`,
        databricksRunId: '42',
        rowsIn: exported.rows.evaluation,
      });
      const candidate = JSON.parse(readFileSync(refinedFile(lake, `_ml/runs/${RUN_ID}/seller-churn/candidates/xgboost.json`), 'utf8')) as Candidate;
      expect(candidate).toMatchObject({ algorithm: 'xgboost', engine: 'databricks', features: exported.features });
      expect(candidate.artifact).toMatchObject({ kind: 'databricks-xgboost', modelKey: collected.modelKey });
      expect(candidate.parameters).toEqual({ ...PROD.models.classifier.gradientBoosting, seed: PROD.models.classifier.seed, objective: 'binary:logistic', eval_metric: 'auc' });
    });

    it('is judged by the unchanged evaluation step, and learns something (OOT AUC above chance)', async () => {
      const evaluation = await evaluateModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: PROD.models });
      expect(evaluation.challenger).toBe('xgboost');
      expect(evaluation.candidates[0]!.metrics.auc_oot).toBeGreaterThan(0.5);
    });

    it('as champion, scores the latest snapshot in score mode between the real scoring export and load steps', async () => {
      const candidate = JSON.parse(readFileSync(refinedFile(lake, `_ml/runs/${RUN_ID}/seller-churn/candidates/xgboost.json`), 'utf8')) as Candidate;
      await writeJson(storeOf(lake), `${versionPrefix(sellerChurn.name, 1)}/model.json`, candidate);
      await writeJson(storeOf(lake), championKey(sellerChurn.name), { version: 1, runId: RUN_ID, promotedAt: '2026-01-05T03:00:00.000Z' });

      const exportedScoring = (await HANDLER_FACTORIES['export-scoring-data'](ports)({ model: sellerChurn.name, runId: SCORING_RUN_ID })) as ExportedScoringData;
      expect(exportedScoring).toMatchObject({ engine: 'databricks', modelKey: collected.modelKey });
      const scoringPrefix = managedPrefix(SCORING_RUN_ID, sellerChurn.name);
      runJob(lake, ['--mode', 'score', '--prefix', scoringPrefix, '--run-id', SCORING_RUN_ID, '--model-key', collected.modelKey]);
      const loaded = (await HANDLER_FACTORIES['load-managed-scores'](ports)({ model: sellerChurn.name, runId: SCORING_RUN_ID })) as LoadedScores;
      expect(loaded).toMatchObject({ engine: 'databricks', modelKey: collected.modelKey, version: 1, rowsOut: exportedScoring.rowsOut });
    });
  },
);

describe('the collect step after a Databricks job that did not finish (no python needed)', () => {
  const runId = 'b6f1a0d2-9c7e-4f3a-8d21-5e4c3b2a1f00';
  const prefix = managedPrefix(runId, sellerChurn.name);
  beforeAll(async () => {
    await HANDLER_FACTORIES['export-training-data'](ports)({ model: sellerChurn.name, runId });
  }, 120_000);
  const collect = () => HANDLER_FACTORIES['collect-managed-model'](ports)({ model: sellerChurn.name, runId, engine: 'databricks' });

  it('says the job\'s run record is missing when the job left nothing', async () => {
    await expect(collect()).rejects.toThrow(/the run record of seller-churn's Databricks training job is missing: refined\/.*output\/training\.json cannot be read/);
  });

  it('says the model is missing when the record is there without it, and the predictions when they are missing', async () => {
    const record: DatabricksTrainingRecord = { engine: 'databricks', hyperParameters: { eta: '0.1' }, trainingSeconds: 1, xgboostVersion: '1.7.6' };
    await writeJson(storeOf(lake), `${prefix}/${DATABRICKS_OUTPUT.record}`, record);
    await expect(collect()).rejects.toThrow(/refined\/.*output\/model\.json is missing; the job wrote its record without its model/);
    await storeOf(lake).write('refined', `${prefix}/${DATABRICKS_OUTPUT.model}`, '{}');
    await expect(collect()).rejects.toThrow(/seller-churn Databricks job of run .*: refined\/.*evaluation\.csv\.out cannot be read .*; did the Databricks job run\?/);
  });

  it('refuses an engine it does not know, naming the field', async () => {
    await expect(HANDLER_FACTORIES['collect-managed-model'](ports)({ model: sellerChurn.name, runId, engine: 'vertex' })).rejects.toThrow(/event field "engine" must be sagemaker or databricks; got "vertex"/);
  });
});
