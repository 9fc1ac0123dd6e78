/**
 * The managed (SageMaker) scoring path around the batch transform, on the
 * Olist sample in a real folder lake with DuckDB: the export writes the
 * latest snapshot as the CSV the transform reads, in the champion's feature
 * order; the test writes what the transform would write back; the load step
 * puts the scores on sellers in the scores table. An embedded champion is
 * scored in-process instead. SageMaker is not called.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNamed } from '../../support/catalog.ts';

const sellerChurn = modelNamed('seller-churn');
import { HANDLER_FACTORIES, type HandlerPorts } from '../../../lambdas/handlers/index.ts';
import { handlerSettings } from '../../../lambdas/handlers/handler-ports.ts';
import type { Candidate } from '../../../lambdas/ml/candidates.ts';
import { exportScoringData, scoringCsvKey, scoringIdsKey, type ExportedScoringData, type ScoredInProcess, type ScoringIds } from '../../../lambdas/ml/export-scoring-data.ts';
import { managedPrefix } from '../../../lambdas/ml/export-training-data.ts';
import { championKey } from '../../../lambdas/ml/gate-model.ts';
import { loadManagedScores } from '../../../lambdas/ml/load-managed-scores.ts';
import { versionPrefix, writeJson } from '../../../lambdas/ml/model-artifacts.ts';
import { readScoringSet } from '../../../lambdas/ml/read-training-set.ts';
import { trainModel } from '../../../lambdas/ml/train-model.ts';
import { SNAPSHOT_FEATURES, buildTrainingSet, handlerPortsOn, openSampleFeatureLake, storeOf } from '../../workloads/olist/ml/sample-lake.ts';
import { closeDatabase, openLake, type TestLake } from '../../pipelines/support/lake.ts';
import { environmentNamed } from '../../support/environments.ts';

const PROD = environmentNamed('prod');
const MODELS = PROD.models;
const RUN_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const MODEL_NAME = 'strata-prod-churn-0f8fad5b-d9cb-469f-a165-70867728950e';

/** A champion trained by SageMaker, on the snapshot features in reverse order (the CSV must follow the champion, not the store). */
function sageMakerChampion(): Candidate {
  const features = SNAPSHOT_FEATURES.map((column) => column.name).reverse();
  return {
    model: 'seller-churn',
    algorithm: 'xgboost',
    engine: 'sagemaker',
    features,
    parameters: { eta: 0.1 },
    trainedOn: { rows: 10, sha256: 'a'.repeat(64), firstSnapshot: '2017-06-01', lastSnapshot: '2018-03-01' },
    trainingSeconds: 95,
    timings: {},
    artifact: {
      kind: 'sagemaker-xgboost',
      trainingJobName: 'strata-prod-churn-t0-0f8fad5b-d9cb-469f-a165-70867728950e',
      sageMakerModelName: MODEL_NAME,
      modelDataUrl: 's3://bucket/model.tar.gz',
      predictions: [0.1, 0.9],
      trainingSetSha256: 'a'.repeat(64),
    },
  };
}

async function promote(lake: TestLake, version: number, candidate: Candidate): Promise<void> {
  await writeJson(storeOf(lake), `${versionPrefix('seller-churn', version)}/model.json`, candidate);
  await writeJson(storeOf(lake), championKey('seller-churn'), { version, runId: 'run-before', promotedAt: '2026-01-01T03:00:00.000Z' });
}

const refined = (lake: TestLake, key: string) => join(lake.root, 'refined', key);

/** What a batch transform writes for scoring.csv: one probability per line, in order. */
function simulateTransform(lake: TestLake, runId: string, probabilities: (index: number) => number, rows: number): void {
  const output = refined(lake, `${managedPrefix(runId, 'seller-churn')}/predictions/scoring/scoring.csv.out`);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${Array.from({ length: rows }, (_, index) => String(probabilities(index))).join('\n')}\n`);
}

describe('managed scoring around the batch transform (SageMaker not called)', () => {
  let lake: TestLake;
  let exported: ExportedScoringData;
  beforeAll(async () => {
    lake = await openSampleFeatureLake();
    await promote(lake, 1, sageMakerChampion());
    exported = (await exportScoringData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS })) as ExportedScoringData;
  }, 120_000);
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('names the champion\'s SageMaker model for the transform', async () => {
    const scoring = await readScoringSet(lake.engine, modelNamed('seller-churn'), MODELS);
    expect(exported).toEqual({
      engine: 'sagemaker',
      model: 'seller-churn',
      version: 1,
      sageMakerModelName: MODEL_NAME,
      dtScore: scoring.dtScore,
      files: { csv: scoringCsvKey(RUN_ID, 'seller-churn'), ids: scoringIdsKey(RUN_ID, 'seller-churn') },
      rowsIn: scoring.matrix.rows,
      rowsOut: scoring.matrix.rows,
    });
  });

  it('writes the latest snapshot features-only, in the champion\'s feature order, and the sellers beside it (not in the transform\'s input)', async () => {
    const scoring = await readScoringSet(lake.engine, modelNamed('seller-churn'), MODELS);
    const lines = readFileSync(refined(lake, exported.files.csv), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(scoring.matrix.rows);
    const champion = sageMakerChampion().features;
    const width = scoring.matrix.columns.length;
    for (const row of [0, Math.floor(scoring.matrix.rows / 2), scoring.matrix.rows - 1]) {
      const cells = lines[row]!.split(',');
      expect(cells).toHaveLength(champion.length);
      champion.forEach((feature, column) => {
        const value = scoring.matrix.values[row * width + scoring.matrix.columns.indexOf(feature)]!;
        expect(cells[column], `${feature} of row ${row}`).toBe(Number.isNaN(value) ? '' : String(value));
      });
    }
    const ids = JSON.parse(readFileSync(refined(lake, exported.files.ids), 'utf8')) as ScoringIds;
    expect(ids).toEqual({ model: 'seller-churn', version: 1, dtScore: scoring.dtScore, sageMakerModelName: MODEL_NAME, ids: scoring.ids.map((id) => id.id) });
    // The transform scores every object under scoring/: only the CSV is there.
    expect(exported.files.csv.startsWith(`${managedPrefix(RUN_ID, 'seller-churn')}/scoring/`)).toBe(true);
    expect(exported.files.ids.startsWith(`${managedPrefix(RUN_ID, 'seller-churn')}/scoring/`)).toBe(false);
  });

  it('loads the transform\'s scores onto the sellers, into churn_scores for the snapshot, classed at the threshold', async () => {
    const ids = JSON.parse(readFileSync(refined(lake, exported.files.ids), 'utf8')) as ScoringIds;
    const probability = (index: number) => Number(((index % 10) / 10 + 0.05).toFixed(2));
    simulateTransform(lake, RUN_ID, probability, ids.ids.length);
    const loaded = await loadManagedScores({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS });
    const threshold = MODELS.classifier.threshold;
    const expectedFlagged = ids.ids.filter((_, index) => probability(index) >= threshold).length;
    expect(loaded).toEqual({
      engine: 'sagemaker',
      sageMakerModelName: MODEL_NAME,
      model: 'seller-churn',
      version: 1,
      table: 'churn_scores',
      dtScore: ids.dtScore,
      rowsIn: ids.ids.length,
      rowsOut: ids.ids.length,
      flagged: expectedFlagged,
      // The retention team's list is built from these scores as from the embedded path's.
      after: { churn_watchlist: expectedFlagged },
    });
    const rows = await lake.rows(`select seller_id, score, class, model_version, dt_score, model from ${lake.engine.relations.ref('refined', 'churn_scores')}`, 'seller_id');
    expect(rows).toHaveLength(ids.ids.length);
    const expected = ids.ids
      .map((sellerId, index) => ({
        seller_id: sellerId,
        score: String(probability(index)),
        class: String(probability(index) >= threshold ? 1 : 0),
        model_version: 'v0001',
        dt_score: ids.dtScore,
        model: 'seller-churn',
      }))
      .sort((a, b) => (a.seller_id < b.seller_id ? -1 : a.seller_id > b.seller_id ? 1 : 0));
    expect(rows).toEqual(expected);
  });

  it('replaces the day\'s scores on a re-run instead of adding to them', async () => {
    const ids = JSON.parse(readFileSync(refined(lake, exported.files.ids), 'utf8')) as ScoringIds;
    simulateTransform(lake, RUN_ID, () => 0.75, ids.ids.length);
    await loadManagedScores({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS });
    const [counts] = await lake.rows(`select count(*) as n, min(score) as low, max(score) as high from ${lake.engine.relations.ref('refined', 'churn_scores')}`);
    expect(counts).toEqual({ n: String(ids.ids.length), low: '0.75', high: '0.75' });
  });

  it('refuses a transform output whose lines do not match the sellers sent', async () => {
    const ids = JSON.parse(readFileSync(refined(lake, exported.files.ids), 'utf8')) as ScoringIds;
    simulateTransform(lake, RUN_ID, () => 0.5, ids.ids.length + 1);
    await expect(loadManagedScores({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS })).rejects.toThrow(
      new RegExp(`seller-churn scoring transform of run ${RUN_ID}: .* holds ${ids.ids.length + 1} predictions, and ${ids.ids.length} rows were sent`),
    );
  });

  it('refuses a champion whose features the feature store no longer has, naming them', async () => {
    const gone = sageMakerChampion();
    await promote(lake, 3, { ...gone, features: [...gone.features, 'feature_that_left'] });
    try {
      await expect(exportScoringData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS })).rejects.toThrow(
        /the seller-churn v3 model needs feature 'feature_that_left', missing from the matrix/,
      );
    } finally {
      await promote(lake, 1, sageMakerChampion());
    }
  });

  it('says there is nothing to score with before the first champion', async () => {
    const other = await openLake();
    try {
      await expect(exportScoringData({ engine: other.engine, store: storeOf(other) }, { model: sellerChurn, runId: RUN_ID, settings: MODELS })).rejects.toThrow(
        /model seller-churn has no champion to score with/,
      );
    } finally {
      await other.close();
    }
  });

  describe('with an embedded champion', () => {
    let scored: ScoredInProcess;
    beforeAll(async () => {
      const settings = { ...MODELS, classifier: { ...MODELS.classifier, gradientBoosting: { ...MODELS.classifier.gradientBoosting, num_round: 5 } } };
      await buildTrainingSet(lake.engine, 'seller-churn', settings);
      await trainModel({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: 'run-embedded', settings });
      const candidate = JSON.parse(readFileSync(refined(lake, '_ml/runs/run-embedded/seller-churn/candidates/gradient-boosting.json'), 'utf8')) as Candidate;
      await promote(lake, 2, candidate);
      scored = (await exportScoringData({ engine: lake.engine, store: storeOf(lake) }, { model: sellerChurn, runId: 'run-embedded-scoring', settings: MODELS })) as ScoredInProcess;
    }, 120_000);
    afterAll(async () => {
      await promote(lake, 1, sageMakerChampion());
    });

    it('scores in-process and says so, so the flow skips the batch transform', async () => {
      const scoring = await readScoringSet(lake.engine, modelNamed('seller-churn'), MODELS);
      expect(scored).toMatchObject({ engine: 'embedded', model: 'seller-churn', version: 2, table: 'churn_scores', dtScore: scoring.dtScore, rowsOut: scoring.matrix.rows });
      expect(scored.reason).toBe('champion v2 of seller-churn is an embedded gradient-boosting model with no SageMaker model: scored in-process, no batch transform');
      const versions = await lake.rows(`select distinct model_version from ${lake.engine.relations.ref('refined', 'churn_scores')}`);
      expect(versions).toEqual([{ model_version: 'v0002' }]);
      // Nothing for a transform to read.
      expect(() => readFileSync(refined(lake, scoringCsvKey('run-embedded-scoring', 'seller-churn')))).toThrow();
    });
  });

  describe('the handlers, as the state machine calls them', () => {
    let ports: HandlerPorts;
    beforeAll(() => {
      ports = handlerPortsOn(lake, handlerSettings(PROD, '0.1.0+test'));
    });

    it('export-scoring-data then load-managed-scores, with { model, runId }', async () => {
      const runId = 'run-20260105T030000Z-handle';
      const exportedByHandler = (await HANDLER_FACTORIES['export-scoring-data'](ports)({ model: 'seller-churn', runId })) as ExportedScoringData;
      expect(exportedByHandler).toMatchObject({ engine: 'sagemaker', sageMakerModelName: MODEL_NAME });
      simulateTransform(lake, runId, () => 0.25, exportedByHandler.rowsOut);
      const loaded = await HANDLER_FACTORIES['load-managed-scores'](ports)({ model: 'seller-churn', runId });
      expect(loaded).toMatchObject({ engine: 'sagemaker', rowsOut: exportedByHandler.rowsOut, flagged: 0 });
      await expect(HANDLER_FACTORIES['load-managed-scores'](ports)({ model: 'seller-churn' })).rejects.toThrow(/load-managed-scores: event field "runId" must be a non-empty string/);
    });
  });
});
