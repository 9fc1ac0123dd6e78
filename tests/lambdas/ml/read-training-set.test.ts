/**
 * readTrainingSet / readScoringSet: a refined table into the embedded
 * engine's matrix, in a stable order, NULL as NaN, with a hash that
 * identifies the rows read.
 */
import { modelNamed } from '../../support/catalog.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readScoringSet, readTrainingSet } from '../../../lambdas/ml/read-training-set.ts';
import { ACTIVE_DAYS, SNAPSHOT_FEATURES, buildTrainingSet, openSampleFeatureLake } from '../../workloads/olist/ml/sample-lake.ts';
import { closeDatabase, openLake, type TestLake } from '../../pipelines/support/lake.ts';
import { environmentNamed } from '../../support/environments.ts';

const MODELS = environmentNamed('dev').models;
const FEATURES = SNAPSHOT_FEATURES.map((column) => column.name);

describe('reading training sets on the Olist sample', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await openSampleFeatureLake();
    await buildTrainingSet(lake.engine, 'seller-churn', MODELS);
    await buildTrainingSet(lake.engine, 'seller-segments', MODELS);
  }, 60_000);
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('reads the ABT whole: ids, labels and splits as stored, ordered by dt_reference then seller_id', async () => {
    const set = await readTrainingSet(lake.engine, modelNamed('seller-churn'));
    const stored = await lake.rows(`select seller_id, dt_reference, churn, split from ${lake.engine.relations.ref('refined', 'abt_churn')}`, 'dt_reference, seller_id');
    expect(set.features).toEqual(FEATURES);
    expect(set.matrix.columns).toEqual(FEATURES);
    expect(set.matrix.rows).toBe(stored.length);
    expect(set.matrix.values).toHaveLength(stored.length * FEATURES.length);
    expect(set.ids).toEqual(stored.map((row) => ({ id: row.seller_id, dtReference: row.dt_reference })));
    expect(Array.from(set.labels!)).toEqual(stored.map((row) => Number(row.churn)));
    expect(set.split).toEqual(stored.map((row) => row.split));
  });

  it('puts each feature in its column, as a double, and a NULL as NaN', async () => {
    const set = await readTrainingSet(lake.engine, modelNamed('seller-churn'));
    const width = FEATURES.length;
    const at = (row: number, feature: string) => set.matrix.values[row * width + FEATURES.indexOf(feature)]!;
    // A seller with one sale day in the window has no gap between sale days.
    const single = await lake.rows(
      `select seller_id, dt_reference, recency_days, revenue from ${lake.engine.relations.ref('refined', 'abt_churn')} where avg_days_between_sales is null`,
      'dt_reference, seller_id',
    );
    expect(single.length).toBeGreaterThan(0);
    const row = set.ids.findIndex((id) => id.id === single[0]!.seller_id && id.dtReference === single[0]!.dt_reference);
    expect(at(row, 'avg_days_between_sales')).toBeNaN();
    expect(at(row, 'recency_days')).toBe(Number(single[0]!.recency_days));
    expect(at(row, 'revenue')).toBeCloseTo(Number(single[0]!.revenue), 9);
    expect(at(row, 'recency_days')).toBeLessThanOrEqual(ACTIVE_DAYS);
  });

  it('hashes the rows read: the same table gives the same hash, a different split another', async () => {
    const first = await readTrainingSet(lake.engine, modelNamed('seller-churn'));
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await readTrainingSet(lake.engine, modelNamed('seller-churn'))).sha256).toBe(first.sha256);
    await buildTrainingSet(lake.engine, 'seller-churn', { ...MODELS, classifier: { ...MODELS.classifier, seed: MODELS.classifier.seed + 1 } });
    expect((await readTrainingSet(lake.engine, modelNamed('seller-churn'))).sha256).not.toBe(first.sha256);
    await buildTrainingSet(lake.engine, 'seller-churn', MODELS);
    expect((await readTrainingSet(lake.engine, modelNamed('seller-churn'))).sha256).toBe(first.sha256);
  });

  it('reads the segmentation base without labels or splits', async () => {
    const set = await readTrainingSet(lake.engine, modelNamed('seller-segments'));
    expect(set.features).toEqual(FEATURES);
    expect(set.labels).toBeNull();
    expect(set.split).toBeNull();
    expect(set.matrix.rows).toBeGreaterThan(0);
    expect(new Set(set.ids.map((id) => id.dtReference)).size).toBe(1);
  });

  it('reads the scoring set: churn’s, the sellers active at the latest snapshot, in the ABT’s feature order; the segmentation’s, what it clustered', async () => {
    const scoring = await readScoringSet(lake.engine, modelNamed('seller-churn'), MODELS);
    const [latest] = await lake.rows(`select max(dt_reference) as dt from ${lake.engine.relations.ref('refined', 'fs_seller_sales')}`);
    expect(scoring.dtScore).toBe(latest!.dt);
    expect(scoring.matrix.columns).toEqual(FEATURES);
    const active = await lake.rows(
      `select seller_id from ${lake.engine.relations.ref('refined', 'fs_seller_sales')} where dt_reference = date '${latest!.dt}' and recency_days <= ${ACTIVE_DAYS}`,
      'seller_id',
    );
    expect(scoring.ids).toEqual(active.map((row) => ({ id: row.seller_id, dtReference: latest!.dt })));
    // The segmentation scores what it clustered, read the same way, in the same feature order.
    const segments = await readScoringSet(lake.engine, modelNamed('seller-segments'), MODELS);
    const base = await readTrainingSet(lake.engine, modelNamed('seller-segments'));
    expect(segments.ids).toEqual(base.ids);
    expect(Array.from(segments.matrix.values)).toEqual(Array.from(base.matrix.values));
  });

  it('names the table and what builds it when it cannot be read, and the tables it knows', async () => {
    const other = await openLake();
    try {
      await expect(readTrainingSet(other.engine, modelNamed('seller-churn'))).rejects.toThrow(/^refined abt_churn \(built by the training-set step\) cannot be read: /);
      await expect(readTrainingSet(other.engine, { ...modelNamed('seller-churn'), trainingSet: 'orders' })).rejects.toThrow(/model seller-churn: no retrain-flow table "orders" to read a training set from; known: fs_seller_sales, .*abt_churn, segment_base/);
    } finally {
      await other.close();
    }
  });
});
