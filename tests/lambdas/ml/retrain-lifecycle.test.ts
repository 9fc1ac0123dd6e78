/**
 * The churn and segment models' lifecycle, step by step as the retrain flow
 * runs it: train -> evaluate -> gate -> register -> score, on a real folder
 * lake built from the vendored Olist sample, with DuckDB, the lake's run
 * store as the tracker and a fixed clock. One lake is shared by the file and
 * the runs build on each other, in order: the first model becomes champion,
 * an identical retrain replaces it, a weaker one does not, and a champion
 * that can no longer read the feature store gives way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNamed } from '../../support/catalog.ts';

const [sellerChurn, sellerSegments] = [modelNamed('seller-churn'), modelNamed('seller-segments')];
import type { ModelSettings } from '../../../config/schema.ts';
import { ObjectStoreTracker, type StoredRunRecord } from '../../../lambdas/adapters/tracking/object-store-tracker.ts';
import { TableStore } from '../../../lambdas/lake/table-store.ts';
import type { Candidate } from '../../../lambdas/ml/candidates.ts';
import { trainGradientBoosting } from '../../../lambdas/ml/engine/gradient-boosting.ts';
import { trainLogisticRegression } from '../../../lambdas/ml/engine/logistic-regression.ts';
import { selectRows } from '../../../lambdas/ml/engine/matrix.ts';
import { evaluateModel, type Evaluation } from '../../../lambdas/ml/evaluate-model.ts';
import { championKey, gateModel, type Champion, type GateDecision } from '../../../lambdas/ml/gate-model.ts';
import { runPrefix, versionPrefix, writeJson } from '../../../lambdas/ml/model-artifacts.ts';
import { readScoringSet, readTrainingSet, type TrainingSet } from '../../../lambdas/ml/read-training-set.ts';
import { nextVersion, registerModel, type ModelCard, type RegisteredModel } from '../../../lambdas/ml/register-model.ts';
import { scoreModel } from '../../../lambdas/ml/score-model.ts';
import { trainModel } from '../../../lambdas/ml/train-model.ts';
import type { Clock } from '../../../lambdas/ports/clock.ts';
import { type ModelDefinition } from '../../../pipelines/models/index.ts';
import { buildTrainingSet, openSampleFeatureLake, storeOf } from '../../workloads/olist/ml/sample-lake.ts';
import { IMPORTANCE_MEASURES } from '../../../lambdas/ml/engine/charts.ts';
import { closeDatabase, type TestLake } from '../../pipelines/support/lake.ts';
import { environmentWith, TEST_VERSION } from '../../support/environments.ts';

/**
 * dev's model settings with 30 boosting rounds instead of 200 (the same code
 * paths, a fraction of the time) and a churn threshold other than the
 * default 0.5, so the scores show it is the configured one that classes them.
 */
const SETTINGS: ModelSettings = environmentWith('dev', (document) => {
  document.models = { classifier: { threshold: 0.3, gradientBoosting: { num_round: 30 } } };
}).models;
const NOW = new Date('2026-03-02T03:00:00.000Z');
const clock: Clock = { now: () => NOW };

let lake: TestLake;
let set: TrainingSet;
let tracked = 0;
const ports = () => ({ engine: lake.engine, store: storeOf(lake) });
const registerPorts = () => ({
  store: storeOf(lake),
  clock,
  // The clock stands still, so the tracker's run ids differ by their hex only.
  tracker: new ObjectStoreTracker(storeOf(lake), { randomHex: () => String((tracked += 1)).padStart(8, '0') }),
});
const refinedFile = (key: string) => readFileSync(join(lake.root, 'refined', key), 'utf8');
const refinedJson = <T>(key: string) => JSON.parse(refinedFile(key)) as T;
const championOf = (model: ModelDefinition) => refinedJson<Champion>(championKey(model.name));

/** The run's steps up to the gate, as the flow runs them. */
async function trainToGate(model: ModelDefinition, runId: string, settings = SETTINGS) {
  const training = await trainModel(ports(), { model, runId, settings });
  const evaluation = await evaluateModel(ports(), { model, runId, settings });
  const gate = await gateModel(ports(), { model, runId, settings });
  return { training, evaluation, gate };
}

function register(model: ModelDefinition, runId: string): Promise<RegisteredModel> {
  return registerModel(registerPorts(), { model, runId, environment: 'dev', platformVersion: TEST_VERSION });
}

async function scoresOf(table: string): Promise<Record<string, string | null>[]> {
  return lake.table('refined', table, 'dt_score, model, seller_id');
}

beforeAll(async () => {
  lake = await openSampleFeatureLake();
  await buildTrainingSet(lake.engine, 'seller-churn', SETTINGS);
  await buildTrainingSet(lake.engine, 'seller-segments', SETTINGS);
  set = await readTrainingSet(lake.engine, sellerChurn);
}, 120_000);
afterAll(async () => {
  await lake.close();
  closeDatabase();
});

describe('the first seller-churn run', () => {
  const RUN = 'run-1';
  let evaluation: Evaluation & { rowsIn: number };
  let gate: GateDecision;
  let registered: RegisteredModel;

  it('trains one candidate per algorithm of the definition, each on the train split only', async () => {
    const training = await trainModel(ports(), { model: sellerChurn, runId: RUN, settings: SETTINGS });
    const trainRows = set.split!.flatMap((split, index) => (split === 'train' ? [index] : []));
    expect(trainRows.length).toBeGreaterThan(0);
    expect(trainRows.length).toBeLessThan(set.matrix.rows);
    expect(training.rowsIn).toBe(set.matrix.rows);
    expect(training.candidates.map((candidate) => [candidate.algorithm, candidate.rows])).toEqual(sellerChurn.algorithms.map((algorithm) => [algorithm, trainRows.length]));

    // The stored models are exactly what the engine learns from the train rows and nothing else.
    const matrix = selectRows(set.matrix, trainRows);
    const labels = Uint8Array.from(trainRows, (index) => set.labels![index]!);
    const expected = {
      'gradient-boosting': trainGradientBoosting(matrix, labels, { ...SETTINGS.classifier.gradientBoosting, seed: SETTINGS.classifier.seed }),
      'logistic-regression': trainLogisticRegression(matrix, labels, SETTINGS.classifier.logisticRegression),
    };
    for (const algorithm of sellerChurn.algorithms) {
      const stored = refinedJson<Candidate>(`${runPrefix(RUN, 'seller-churn')}/candidates/${algorithm}.json`);
      expect(stored.artifact, algorithm).toEqual(JSON.parse(JSON.stringify(expected[algorithm as keyof typeof expected])));
      expect(stored).toMatchObject({ model: 'seller-churn', algorithm, engine: 'embedded', features: set.features, trainedOn: { rows: trainRows.length, sha256: set.sha256 } });
    }
    expect((expected['gradient-boosting'].trees as unknown[]).length).toBe(30);
  });

  it('measures AUC on train, test and out-of-time, and picks the best test AUC as the challenger', async () => {
    evaluation = await evaluateModel(ports(), { model: sellerChurn, runId: RUN, settings: SETTINGS });
    expect(evaluation.candidates.map((candidate) => candidate.algorithm)).toEqual([...sellerChurn.algorithms]);
    for (const candidate of evaluation.candidates) {
      for (const split of ['train', 'test', 'oot']) {
        const value = candidate.metrics[`auc_${split}`];
        expect(value, `${candidate.algorithm} auc_${split}`).toBeGreaterThanOrEqual(0);
        expect(value, `${candidate.algorithm} auc_${split}`).toBeLessThanOrEqual(1);
      }
      // Better than a coin on data it has never seen.
      expect(candidate.metrics.auc_oot, candidate.algorithm).toBeGreaterThan(0.6);
    }
    const bestTest = Math.max(...evaluation.candidates.map((candidate) => candidate.metrics.auc_test!));
    expect(evaluation.candidates.find((candidate) => candidate.algorithm === evaluation.challenger)!.metrics.auc_test).toBe(bestTest);
    const { rowsIn, ...stored } = evaluation;
    expect(rowsIn).toBe(set.matrix.rows);
    expect(refinedJson<Evaluation>(`${runPrefix(RUN, 'seller-churn')}/evaluation.json`)).toEqual(JSON.parse(JSON.stringify(stored)));
  });

  it('counts every row of a split once in its confusion matrix, and cuts the OOT rows into ten deciles', () => {
    const rows = (split: string) => set.split!.filter((value) => value === split).length;
    for (const candidate of evaluation.candidates) {
      for (const split of ['test', 'oot'] as const) {
        const { tp, fp, tn, fn } = candidate.confusion![split];
        expect(tp + fp + tn + fn, `${candidate.algorithm} ${split}`).toBe(rows(split));
        expect(candidate.metrics[`rows_${split}`]).toBe(rows(split));
      }
      expect(candidate.lift!.map((decile) => decile.decile)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(candidate.lift!.reduce((sum, decile) => sum + decile.rows, 0)).toBe(rows('oot'));
      expect(candidate.lift!.at(-1)!.cumulativeCapture).toBeCloseTo(1, 12);
    }
  });

  it('writes the ROC, lift and importance charts of the challenger as SVG', () => {
    expect(evaluation.charts).toEqual(['roc.svg', 'lift.svg', 'importance.svg']);
    for (const chart of evaluation.charts) {
      const svg = refinedFile(`${runPrefix(RUN, 'seller-churn')}/charts/${chart}`);
      expect(svg, chart).toMatch(/^(<\?xml[^>]*>\s*)?<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg.trimEnd(), chart).toMatch(/<\/svg>$/);
    }
    const importance = refinedFile(`${runPrefix(RUN, 'seller-churn')}/charts/importance.svg`);
    expect(importance).toContain(evaluation.candidates.find((c) => c.algorithm === evaluation.challenger)!.importance[0]!.feature);
    // The axis names the challenger's own measure, with its unit.
    expect(importance).toContain(escapeXml(IMPORTANCE_MEASURES[evaluation.challenger as keyof typeof IMPORTANCE_MEASURES]));
  });

  it('promotes the first model: there is no champion yet', async () => {
    gate = await gateModel(ports(), { model: sellerChurn, runId: RUN, settings: SETTINGS });
    const challenger = evaluation.candidates.find((candidate) => candidate.algorithm === evaluation.challenger)!;
    expect(gate).toEqual({
      model: 'seller-churn',
      promote: true,
      reason: 'no champion yet: the first model becomes champion',
      metric: 'auc_oot',
      margin: SETTINGS.classifier.promotionMargin,
      challenger: { algorithm: evaluation.challenger, value: challenger.metrics.auc_oot },
    });
    expect(refinedJson<GateDecision>(`${runPrefix(RUN, 'seller-churn')}/gate.json`)).toEqual(gate);
  });

  it('registers v0001 with a model card of metrics, hyperparameters, features, snapshots, the training data hash and the platform version', async () => {
    registered = await register(sellerChurn, RUN);
    const challenger = evaluation.candidates.find((candidate) => candidate.algorithm === evaluation.challenger)!;
    expect(registered).toMatchObject({
      name: 'seller-churn',
      version: 1,
      engine: 'embedded',
      algorithm: evaluation.challenger,
      auc: { train: challenger.metrics.auc_train, test: challenger.metrics.auc_test, oot: challenger.metrics.auc_oot },
      promoted: true,
      champion: 1,
    });
    expect(registered.summary).toMatch(/^seller-churn v0001 \([a-z-]+, embedded\): AUC train 0\.\d{3} test 0\.\d{3} OOT 0\.\d{3}; promoted to champion$/);

    const card = refinedJson<ModelCard>(`${versionPrefix('seller-churn', 1)}/card.json`);
    const stored = refinedJson<Candidate>(`${runPrefix(RUN, 'seller-churn')}/candidates/${evaluation.challenger}.json`);
    const dates = set.ids.map((id) => id.dtReference).sort();
    const trainRows = set.split!.filter((split) => split === 'train').length;
    expect(card).toMatchObject({
      name: 'seller-churn',
      version: 1,
      kind: 'classifier',
      algorithm: evaluation.challenger,
      engine: 'embedded',
      runId: RUN,
      registeredAt: NOW.toISOString(),
      promoted: true,
      gate,
      metrics: challenger.metrics,
      hyperparameters: stored.parameters,
      features: set.features,
      snapshots: { first: dates[0], last: dates.at(-1) },
      trainingRows: trainRows,
      trainingDataSha256: set.sha256,
      platformVersion: TEST_VERSION,
      charts: ['roc.svg', 'lift.svg', 'importance.svg'],
      tracking: registered.tracking,
    });
    expect(Object.keys(card.hyperparameters).length).toBeGreaterThan(0);
    expect(refinedJson(`${versionPrefix('seller-churn', 1)}/model.json`)).toEqual(stored);
    for (const chart of card.charts) expect(refinedFile(`${versionPrefix('seller-churn', 1)}/${chart}`)).toBe(refinedFile(`${runPrefix(RUN, 'seller-churn')}/charts/${chart}`));
  });

  it('logs the same run to the tracker: run.json with the card’s metrics, the card and the charts as artifacts', () => {
    const ref = registered.tracking!;
    expect(ref).toMatchObject({ tracker: 'local', experimentId: 'strata-dev/seller-churn' });
    const run = refinedJson<StoredRunRecord>(`_ml/tracking/${ref.experimentId}/${ref.runId}/run.json`);
    const card = refinedJson<ModelCard>(`${versionPrefix('seller-churn', 1)}/card.json`);
    expect(run).toMatchObject({ runName: 'seller-churn v0001', status: 'FINISHED', startedAt: NOW.toISOString() });
    expect(run.metrics).toMatchObject(card.metrics);
    expect(run.tags).toMatchObject({
      'strata.model': 'seller-churn',
      'strata.version': '1',
      'strata.promoted': 'true',
      'strata.platform_version': TEST_VERSION,
      'strata.training_data_sha256': set.sha256,
    });
    expect(run.artifacts.map((artifact) => artifact.name)).toEqual(['card.json', 'roc.svg', 'lift.svg', 'importance.svg']);
    const { tracking: _tracking, ...untracked } = card;
    expect(JSON.parse(refinedFile(run.artifacts[0]!.key))).toEqual(untracked);
  });

  it('points champion.json at v0001', () => {
    expect(championOf(sellerChurn)).toEqual({ version: 1, runId: RUN, promotedAt: NOW.toISOString() });
  });

  it('scores every seller of the latest snapshot into churn_scores partition dt_score=<snapshot>, model seller-churn, classed by the threshold', async () => {
    const scoring = await readScoringSet(lake.engine, modelNamed('seller-churn'), SETTINGS);
    const [latest] = await lake.rows(`select max(dt_reference) as dt from ${lake.engine.relations.ref('refined', 'fs_seller_sales')}`);
    expect(scoring.dtScore).toBe(latest!.dt);

    const result = await scoreModel(ports(), { model: sellerChurn, settings: SETTINGS });
    expect(result).toMatchObject({ model: 'seller-churn', version: 1, table: 'churn_scores', dtScore: scoring.dtScore, rowsIn: scoring.ids.length, rowsOut: scoring.ids.length });
    // One partition per scoring date, committed through the table's pointer; the model is a column of its rows.
    const pointer = await new TableStore(storeOf(lake)).read('refined', 'churn_scores');
    expect(pointer?.partitionBy).toBe('dt_score');
    expect(Object.keys(pointer?.partitions ?? {})).toEqual([scoring.dtScore]);
    const rows = await lake.rows(`select * from ${lake.engine.relations.ref('refined', 'churn_scores')} where dt_score = date '${scoring.dtScore}'`, 'seller_id');
    expect(new Set(rows.map((row) => row.model))).toEqual(new Set(['seller-churn']));
    expect(rows.map((row) => row.seller_id)).toEqual(scoring.ids.map((id) => id.id).sort());
    for (const row of rows) {
      const score = Number(row.score);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      expect(Number(row.class), `${row.seller_id} ${score}`).toBe(score >= SETTINGS.classifier.threshold ? 1 : 0);
      expect(row.model_version).toBe('v0001');
    }
    expect(result.flagged).toBe(rows.filter((row) => row.class === '1').length);
    // Both classes occur on the sample, and some sellers are churners at 0.3 that would not be at 0.5.
    expect(new Set(rows.map((row) => row.class))).toEqual(new Set(['0', '1']));
    expect(rows.some((row) => Number(row.score) >= SETTINGS.classifier.threshold && Number(row.score) < 0.5)).toBe(true);
  });

  it('replaces the day’s partition when scoring runs again, instead of adding to it', async () => {
    const before = await scoresOf('churn_scores');
    await scoreModel(ports(), { model: sellerChurn, settings: SETTINGS });
    const after = await scoresOf('churn_scores');
    expect(after).toHaveLength(before.length);
    expect(after).toEqual(before);
  });
});

describe('a second seller-churn run on the same data', () => {
  const RUN = 'run-2';

  it('promotes the challenger within the margin: the champion, re-scored on this run’s rows, scores the same', async () => {
    const { gate } = await trainToGate(sellerChurn, RUN);
    expect(gate.promote).toBe(true);
    expect(gate.champion).toEqual({ version: 1, value: gate.challenger.value });
    expect(gate.reason).toBe(`auc_oot ${gate.challenger.value.toFixed(4)} vs champion v1 ${gate.challenger.value.toFixed(4)}: within the margin of ${SETTINGS.classifier.promotionMargin}`);
  });

  it('registers v0002 from the same training data and moves champion.json to it', async () => {
    const registered = await register(sellerChurn, RUN);
    expect(registered).toMatchObject({ version: 2, promoted: true, champion: 2 });
    const [first, second] = [1, 2].map((version) => refinedJson<ModelCard>(`${versionPrefix('seller-churn', version)}/card.json`));
    expect(second!.trainingDataSha256).toBe(first!.trainingDataSha256);
    expect(second!.metrics).toEqual(first!.metrics);
    expect(championOf(sellerChurn)).toEqual({ version: 2, runId: RUN, promotedAt: NOW.toISOString() });
  });
});

describe('a seller-churn challenger worse than the champion by more than the margin', () => {
  const RUN = 'run-3';
  /** A single split of one tree: a real model, trained and judged like any other, and a poor one. */
  const stump: ModelDefinition = { ...sellerChurn, algorithms: ['gradient-boosting'] };
  const stumpSettings: ModelSettings = {
    ...SETTINGS,
    classifier: { ...SETTINGS.classifier, gradientBoosting: { ...SETTINGS.classifier.gradientBoosting, num_round: 1, max_depth: 1 } },
  };
  let gate: GateDecision;
  let championBefore: string;

  it('is not promoted, and the gate says by how much it lost', async () => {
    championBefore = refinedFile(championKey('seller-churn'));
    ({ gate } = await trainToGate(stump, RUN, stumpSettings));
    expect(gate.champion!.version).toBe(2);
    expect(gate.challenger.value).toBeLessThan(gate.champion!.value! - SETTINGS.classifier.promotionMargin);
    expect(gate.promote).toBe(false);
    expect(gate.reason).toBe(
      `auc_oot ${gate.challenger.value.toFixed(4)} is worse than champion v2's ${gate.champion!.value!.toFixed(4)} by more than ${SETTINGS.classifier.promotionMargin}`,
    );
  });

  it('is still registered, as v0003, but champion.json keeps pointing at v0002', async () => {
    const registered = await register(stump, RUN);
    expect(registered).toMatchObject({ version: 3, promoted: false, champion: 2 });
    expect(registered.summary).toMatch(/; not promoted, champion stays v0002$/);
    expect(refinedJson<ModelCard>(`${versionPrefix('seller-churn', 3)}/card.json`)).toMatchObject({ version: 3, promoted: false, gate });
    expect(refinedFile(championKey('seller-churn'))).toBe(championBefore);
  });

  it('leaves the champion scoring: the scores stay v0002’s', async () => {
    const result = await scoreModel(ports(), { model: sellerChurn, settings: SETTINGS });
    expect(result.version).toBe(2);
    const rows = await scoresOf('churn_scores');
    expect(rows).toHaveLength(result.rowsIn);
    expect(new Set(rows.map((row) => row.model_version))).toEqual(new Set(['v0002']));
  });
});

describe('a seller-churn champion that cannot score the current features', () => {
  const RUN = 'run-4';

  it('gives way to the challenger, and the gate says the champion cannot score', async () => {
    // A champion trained before the feature store renamed days_since_last_sale to recency_days.
    expect(set.features).toContain('recency_days');
    const legacyFeatures = set.features.map((feature) => (feature === 'recency_days' ? 'days_since_last_sale' : feature));
    const trainRows = set.split!.flatMap((split, index) => (split === 'train' ? [index] : []));
    const matrix = { ...selectRows(set.matrix, trainRows), columns: legacyFeatures };
    const parameters = { ...SETTINGS.classifier.gradientBoosting, num_round: 5, seed: 1 };
    const legacy: Candidate = {
      model: 'seller-churn',
      algorithm: 'gradient-boosting',
      engine: 'embedded',
      features: legacyFeatures,
      parameters,
      artifact: trainGradientBoosting(matrix, Uint8Array.from(trainRows, (index) => set.labels![index]!), parameters),
      trainedOn: { rows: trainRows.length, sha256: 'legacy', firstSnapshot: '2017-01-01', lastSnapshot: '2017-12-01' },
      trainingSeconds: 0,
      timings: {},
    };
    await writeJson(storeOf(lake), `${versionPrefix('seller-churn', 4)}/model.json`, legacy);
    await writeJson(storeOf(lake), championKey('seller-churn'), { version: 4, runId: 'legacy-run', promotedAt: '2025-01-01T00:00:00.000Z' } satisfies Champion);

    const { gate } = await trainToGate(sellerChurn, RUN);
    expect(gate).toMatchObject({ promote: true, champion: { version: 4, value: null } });
    expect(gate.reason).toMatch(/^champion v4 cannot score this data \(.*'days_since_last_sale'.*\); the challenger takes over$/);
  });

  it('registers the challenger as v0005 and makes it champion', async () => {
    const registered = await register(sellerChurn, RUN);
    expect(registered).toMatchObject({ version: 5, promoted: true, champion: 5 });
    expect(championOf(sellerChurn)).toEqual({ version: 5, runId: RUN, promotedAt: NOW.toISOString() });
    const result = await scoreModel(ports(), { model: sellerChurn, settings: SETTINGS });
    expect(result.version).toBe(5);
  });
});

describe('a register step retried after the tracker failed', () => {
  const RUN = 'run-tracker-down';

  it('registers one version, not two: the retry reuses the version the failed attempt allocated', async () => {
    await trainToGate(sellerChurn, RUN);
    const failing = { ...registerPorts(), tracker: { logRun: async () => Promise.reject(new Error('MLflow unreachable')) } };
    await expect(registerModel(failing, { model: sellerChurn, runId: RUN, environment: 'dev', platformVersion: TEST_VERSION })).rejects.toThrow('MLflow unreachable');
    const retried = await register(sellerChurn, RUN);
    expect(retried.version).toBe(6);
    expect(await nextVersion(storeOf(lake), sellerChurn.name)).toBe(7);
    expect(refinedJson<{ version: number; tracking?: unknown }>(`${versionPrefix(sellerChurn.name, 6)}/card.json`)).toMatchObject({ version: 6, tracking: { tracker: 'local' } });
  });
});

describe('the seller-segments model (k-means)', () => {
  const RUN = 'run-1';
  let segmentRows: number;

  it('trains one k-means candidate on every seller of its base, with the time each step took', async () => {
    const base = await readTrainingSet(lake.engine, sellerSegments);
    segmentRows = base.matrix.rows;
    const training = await trainModel(ports(), { model: sellerSegments, runId: RUN, settings: SETTINGS });
    expect(training.candidates).toEqual([{ algorithm: 'k-means', seconds: expect.any(Number), rows: segmentRows }]);
    const candidate = refinedJson<Candidate>(`${runPrefix(RUN, 'seller-segments')}/candidates/k-means.json`);
    expect(candidate).toMatchObject({ algorithm: 'k-means', trainedOn: { rows: segmentRows, sha256: base.sha256 }, parameters: { k: SETTINGS.clusterer.k, maxIterations: SETTINGS.clusterer.maxIterations, seed: SETTINGS.clusterer.seed } });
    expect(Object.keys(candidate.timings).sort()).toEqual(['readTrainingSet', 'train:k-means']);
    for (const seconds of Object.values(candidate.timings)) expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('measures the silhouette and the segment sizes', async () => {
    const evaluation = await evaluateModel(ports(), { model: sellerSegments, runId: RUN, settings: SETTINGS });
    expect(evaluation).toMatchObject({ kind: 'clusterer', challenger: 'k-means', charts: [] });
    const { metrics } = evaluation.candidates[0]!;
    expect(metrics.silhouette).toBeGreaterThan(-1);
    expect(metrics.silhouette).toBeLessThanOrEqual(1);
    expect(metrics).toMatchObject({ rows: segmentRows, segments: SETTINGS.clusterer.k });
    expect(metrics.smallest_segment).toBeGreaterThan(0);
    expect(metrics.largest_segment).toBeLessThan(segmentRows);
  });

  it('becomes the first champion and logs its silhouette and timings to the tracker', async () => {
    const gate = await gateModel(ports(), { model: sellerSegments, runId: RUN, settings: SETTINGS });
    expect(gate).toMatchObject({ promote: true, metric: 'silhouette', margin: SETTINGS.clusterer.promotionMargin });
    const registered = await register(sellerSegments, RUN);
    expect(registered).toMatchObject({ name: 'seller-segments', version: 1, promoted: true, champion: 1, silhouette: gate.challenger.value });
    expect(registered.auc).toBeUndefined();
    const run = refinedJson<StoredRunRecord>(`_ml/tracking/${registered.tracking!.experimentId}/${registered.tracking!.runId}/run.json`);
    expect(run.metrics.silhouette).toBe(gate.challenger.value);
    expect(Object.keys(run.metrics)).toEqual(expect.arrayContaining(['seconds_readTrainingSet', 'seconds_train_k_means']));
  });

  it('scores every seller it clustered (the latest representative snapshot’s) into seller_segments with a segment in [0, k)', async () => {
    const scoring = await readScoringSet(lake.engine, sellerSegments, SETTINGS);
    const base = await lake.rows(`select seller_id, dt_reference from ${lake.engine.relations.ref('refined', 'segment_base')}`, 'seller_id');
    expect(scoring.ids.map((id) => id.id).sort()).toEqual(base.map((row) => row.seller_id));
    expect(scoring.dtScore).toBe(base[0]!.dt_reference);
    const result = await scoreModel(ports(), { model: sellerSegments, settings: SETTINGS });
    expect(result).toMatchObject({ table: 'seller_segments', version: 1, dtScore: scoring.dtScore, rowsOut: scoring.ids.length });
    const rows = await scoresOf('seller_segments');
    expect(rows.map((row) => row.seller_id)).toEqual(scoring.ids.map((id) => id.id).sort());
    expect(new Set(rows.map((row) => `${row.dt_score}/${row.model}/${row.model_version}`))).toEqual(new Set([`${scoring.dtScore}/seller-segments/v0001`]));
    for (const row of rows) {
      expect(Number.isInteger(Number(row.segment))).toBe(true);
      expect(Number(row.segment)).toBeGreaterThanOrEqual(0);
      expect(Number(row.segment)).toBeLessThan(SETTINGS.clusterer.k);
    }
  });

  it('promotes an identical retrain even with a promotion margin of 0: the gate compares the values it records, both rounded alike', async () => {
    const strict: ModelSettings = { ...SETTINGS, clusterer: { ...SETTINGS.clusterer, promotionMargin: 0 } };
    const { gate } = await trainToGate(sellerSegments, 'run-2', strict);
    expect(gate.champion).toEqual({ version: 1, value: gate.challenger.value });
    expect(gate).toMatchObject({ promote: true, margin: 0 });
    expect(await register(sellerSegments, 'run-2')).toMatchObject({ version: 2, promoted: true, champion: 2 });
  });
});

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
