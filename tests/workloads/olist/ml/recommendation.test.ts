/**
 * The purchase-recommendation model (workloads/olist/recommendation.ts,
 * sql/ml/category_purchases.sql, recommendation_interactions.sql,
 * ml/build-recommendation.ts) and the platform's ranker steps
 * (lambdas/ml/rank-model.ts through train, evaluate, gate, register and
 * score) on a hand-made Olist whose interactions, split, lists and hit rates
 * are worked out by hand below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSettings } from '../../../../config/schema.ts';
import { ObjectStoreTracker } from '../../../../lambdas/adapters/tracking/object-store-tracker.ts';
import { evaluateModel } from '../../../../lambdas/ml/evaluate-model.ts';
import { gateModel } from '../../../../lambdas/ml/gate-model.ts';
import { runPrefix } from '../../../../lambdas/ml/model-artifacts.ts';
import type { RankerEvaluation } from '../../../../lambdas/ml/rank-model.ts';
import { registerModel } from '../../../../lambdas/ml/register-model.ts';
import { scoreModel } from '../../../../lambdas/ml/score-model.ts';
import { trainModel } from '../../../../lambdas/ml/train-model.ts';
import { DIALECTS } from '../../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel, type Relations } from '../../../../pipelines/sql/render.ts';
import { buildRecommendationInteractions, type RecommendationTrainingSet } from '../../../../workloads/olist/ml/build-recommendation.ts';
import { purchaseRecommendation } from '../../../../workloads/olist/models.ts';
import { categoryRecommendations, RECOMMENDATION_DATASETS, recommendationInteractions } from '../../../../workloads/olist/recommendation.ts';
import { buildConsistentTables, closeDatabase, openLake, type TestLake } from '../../../pipelines/support/lake.ts';
import { environmentWith, TEST_VERSION } from '../../../support/environments.ts';
import { storeOf } from './sample-lake.ts';

/**
 * Persons u1 … u6 behind customer ids c1 … c10 (u1: c1, c9; u2: c2, c8;
 * u3: c3, c7). Products pm (moveis: furniture), pb (beleza: beauty), pt
 * (brinquedos, no translation: kept in Portuguese), px (no category).
 *
 * Interactions (person, category, month):
 * - January: u1 furniture (twice in o1: once), u1 beauty, u2 furniture, u2 brinquedos, u3 beauty: 5
 * - February: u3 brinquedos, u4 furniture, u4 beauty, u5 furniture (o6's px counts nothing;
 *   o7, u5 beauty, is canceled): 4
 * - March: u2 brinquedos, u1 beauty, u5 beauty: 3
 * - April: u6 furniture: 1, the data ends after a few days
 * An average month holds 13 / 4 = 3.25: March (3) is full, April (1) is not. With one month held
 * out, oot runs from March to the end: 4 interactions of u1, u2, u5 (seen before) and u6 (new).
 *
 * Train: u1 {furniture, beauty}, u2 {furniture, brinquedos}, u3 {beauty, brinquedos},
 * u4 {furniture, beauty}, u5 {furniture}. Popularity: furniture 4, beauty 3, brinquedos 2.
 * Cosine: furniture-beauty 2/√12 ≈ 0.577, beauty-brinquedos 1/√6 ≈ 0.408, furniture-brinquedos 1/√8 ≈ 0.354.
 *
 * At k = 2: popularity shows everyone [furniture, beauty]: u1 (beauty) hit, u2 (brinquedos) miss,
 * u5 (beauty) hit, u6 (furniture) hit: 3 / 4. Co-purchase: u1 furniture 1.577 = beauty 1.577
 * (tie: furniture, more popular) -> [furniture, beauty] hit; u2 furniture 1.354 = brinquedos 1.354
 * -> [furniture, brinquedos] hit; u5 [furniture 1, beauty 0.577] hit; u6 (no history) [furniture,
 * beauty] hit: 4 / 4. At k = 1 both find only u6: 1 / 4.
 */
const OLIST: Readonly<Record<string, readonly string[]>> = {
  customers: ['c1,u1', 'c2,u2', 'c3,u3', 'c4,u4', 'c5,u5', 'c6,u6', 'c7,u3', 'c8,u2', 'c9,u1', 'c10,u5'].map((pair) => `${pair},01001,sao paulo,SP`),
  sellers: ['sA,13000,campinas,SP'],
  products: ['pm,moveis,40,300,2,500,20,10,15', 'pb,beleza,35,120,1,200,10,5,5', 'pt,brinquedos,30,100,1,100,10,10,10', 'px,,30,100,1,100,10,10,10'],
  orders: [
    ['o1', 'c1', 'delivered', '2018-01-05'],
    ['o2', 'c2', 'delivered', '2018-01-10'],
    ['o3', 'c3', 'shipped', '2018-01-20'],
    ['o4', 'c7', 'delivered', '2018-02-03'],
    ['o5', 'c4', 'invoiced', '2018-02-10'],
    ['o6', 'c5', 'delivered', '2018-02-12'],
    ['o7', 'c10', 'canceled', '2018-02-20'],
    ['o8', 'c8', 'delivered', '2018-03-02'],
    ['o9', 'c9', 'delivered', '2018-03-15'],
    ['o10', 'c10', 'processing', '2018-03-28'],
    ['o11', 'c6', 'approved', '2018-04-02'],
  ].map(([order, customer, status, day]) => `${order},${customer},${status},${day} 10:00:00,,,,`),
  order_items: [
    'o1,1,pm,sA,,40.00,5.00',
    'o1,2,pm,sA,,40.00,5.00',
    'o1,3,pb,sA,,20.00,5.00',
    'o2,1,pm,sA,,40.00,5.00',
    'o2,2,pt,sA,,20.00,5.00',
    'o3,1,pb,sA,,20.00,5.00',
    'o4,1,pt,sA,,20.00,5.00',
    'o5,1,pm,sA,,40.00,5.00',
    'o5,2,pb,sA,,20.00,5.00',
    'o6,1,pm,sA,,40.00,5.00',
    'o6,2,px,sA,,10.00,5.00',
    'o7,1,pb,sA,,20.00,5.00',
    'o8,1,pt,sA,,20.00,5.00',
    'o9,1,pb,sA,,20.00,5.00',
    'o10,1,pb,sA,,20.00,5.00',
    'o11,1,pm,sA,,40.00,5.00',
  ],
  order_payments: [],
  order_reviews: [],
  geolocation: [],
  product_category_name_translation: ['moveis,furniture', 'beleza,beauty'],
};

/** dev's settings with k = 2 and one month held out: the cases above. */
const SETTINGS: ModelSettings = environmentWith('dev', (document) => {
  document.models = { overrides: { 'purchase-recommendation': { k: 2, holdoutMonths: 1 } } };
}).models;
const model = purchaseRecommendation;

describe('purchase-recommendation definitions and SQL', () => {
  const names: Relations = { source: (table) => `src_${table}`, ref: (layer, table) => `${layer}.${table}` };

  for (const table of ['category_purchases', 'recommendation_interactions']) {
    it(`renders ${table}.sql for every engine with every macro expanded and no comment left`, () => {
      const sql = loadModel('ml', table);
      expect(sql.file).toBe(`workloads/olist/sql/ml/${table}.sql`);
      expect(sql.text).toMatch(new RegExp(`^-- ${table}: `));
      for (const dialect of DIALECTS) {
        const rendered = renderModel(sql, dialect, names, { ml: { category_purchases: '(select 1) purchases' }, params: { holdout_months: 3 } });
        expect(rendered, dialect).not.toMatch(/\{\{|\}\}/);
        expect(rendered, dialect).not.toMatch(/^\s*--/m);
      }
    });
  }

  it('declares a ranker keyed by the person, recommending categories, with its tables described', () => {
    expect(model).toMatchObject({ kind: 'ranker', entity: 'customer_unique_id', item: 'product_category', gateMetric: 'hit_rate_at_k_oot', algorithms: ['co-purchase', 'popularity'] });
    expect(model.managedAlgorithm).toBeUndefined();
    expect(recommendationInteractions.columns.map((column) => column.name)).toEqual(['customer_unique_id', 'product_category', 'dt_reference', 'split']);
    expect(categoryRecommendations.columns.map((column) => column.name)).toEqual(['customer_unique_id', 'item_rank', 'product_category', 'score', 'basis', 'model_version', 'model']);
    for (const dataset of RECOMMENDATION_DATASETS) {
      expect(dataset.description, dataset.name).toMatch(/^[A-Z].*\.$/);
      for (const column of dataset.columns) expect(column.description, `${dataset.name}.${column.name}`).toMatch(/^[A-Za-z0-9].*\.$/);
    }
  });
});

describe('purchase recommendation on a hand-made Olist', () => {
  let lake: TestLake;
  let build: RecommendationTrainingSet;
  const runId = 'run-rec-1';
  const ports = () => ({ engine: lake.engine, store: storeOf(lake) });
  beforeAll(async () => {
    lake = await openLake();
    await buildConsistentTables(lake, OLIST);
    build = await buildRecommendationInteractions(lake.engine, SETTINGS.overrides['purchase-recommendation'] as { holdoutMonths: number });
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('builds one interaction per person, category and month, split at the latest full month', async () => {
    const rows = await lake.rows(
      `select customer_unique_id as who, product_category as what, dt_reference as month, split from ${lake.engine.relations.ref('refined', 'recommendation_interactions')}`,
      'month, who, what',
    );
    expect(rows.map((row) => `${row.month} ${row.who} ${row.what} ${row.split}`)).toEqual([
      '2018-01-01 u1 beauty train',
      '2018-01-01 u1 furniture train',
      '2018-01-01 u2 brinquedos train',
      '2018-01-01 u2 furniture train',
      '2018-01-01 u3 beauty train',
      '2018-02-01 u3 brinquedos train',
      '2018-02-01 u4 beauty train',
      '2018-02-01 u4 furniture train',
      '2018-02-01 u5 furniture train',
      '2018-03-01 u1 beauty oot',
      '2018-03-01 u2 brinquedos oot',
      '2018-03-01 u5 beauty oot',
      '2018-04-01 u6 furniture oot',
    ]);
    expect(build).toMatchObject({
      rows: 13,
      splits: { train: 9, oot: 4 },
      months: { train: { first: '2018-01-01', last: '2018-02-01' }, oot: { first: '2018-03-01', last: '2018-04-01' } },
      customers: { oot: 4, returning: 3 },
      categories: 3,
    });
  });

  it('refuses a held-out period that leaves nothing to learn from, naming the setting', async () => {
    await expect(buildRecommendationInteractions(lake.engine, { holdoutMonths: 3 })).rejects.toThrow(
      /^models\.ranker\.holdoutMonths: holding out 3 month\(s\) leaves nothing before them to learn from: the purchases run 2018-01-01 to 2018-04-01/,
    );
    // The failed build left the table as it was.
    const [count] = await lake.rows(`select count(*) as n, sum(case when split = 'oot' then 1 else 0 end) as oot from ${lake.engine.relations.ref('refined', 'recommendation_interactions')}`);
    expect(count).toEqual({ n: '13', oot: '4' });
  });

  it('trains both candidates on the train split and judges them by hit rate, precision and recall at k', async () => {
    const training = await trainModel(ports(), { model, runId, settings: SETTINGS });
    expect(training.candidates.map((candidate) => [candidate.algorithm, candidate.rows])).toEqual([['co-purchase', 9], ['popularity', 9]]);
    const evaluation = await evaluateModel(ports(), { model, runId, settings: SETTINGS });
    expect(evaluation.challenger).toBe('co-purchase');
    const [coPurchase, popularity] = evaluation.candidates as unknown as RankerEvaluation[];
    expect(coPurchase!.metrics).toMatchObject({ k: 2, hit_rate_at_k_oot: 1, precision_at_k_oot: 0.5, recall_at_k_oot: 1, entities_oot: 4, returning_entities_oot: 3, hit_rate_at_k_oot_returning: 1, items: 3 });
    expect(popularity!.metrics).toMatchObject({ hit_rate_at_k_oot: 0.75, precision_at_k_oot: 0.375, recall_at_k_oot: 0.75, hit_rate_at_k_oot_returning: 0.666667 });
    expect(coPurchase!.atK[0]!.hitRate).toBe(0.25);
    expect(popularity!.atK[0]!.hitRate).toBe(0.25);
    // Three categories: from k = 3 on every list holds all of them.
    expect(coPurchase!.atK.slice(2).every((at) => at.hitRate === 1)).toBe(true);
    const chart = readFileSync(join(lake.root, 'refined', runPrefix(runId, model.name), 'charts', 'hit-rate.svg'), 'utf8');
    expect(chart).toContain('co-purchase: all 4 of the held-out period');
    expect(chart).toContain('popularity: the 3 of them seen before it');
  });

  it('promotes the first, registers it with its hit rate beside the baseline\'s, and scores k categories per person from their whole history', async () => {
    const gate = await gateModel(ports(), { model, runId, settings: SETTINGS });
    expect(gate).toMatchObject({ promote: true, metric: 'hit_rate_at_k_oot', margin: 0.01, challenger: { algorithm: 'co-purchase', value: 1 } });
    const registered = await registerModel(
      { store: storeOf(lake), clock: { now: () => new Date('2026-03-02T03:00:00Z') }, tracker: new ObjectStoreTracker(storeOf(lake), { randomHex: () => '00000001' }) },
      { model, runId, environment: 'dev', platformVersion: TEST_VERSION },
    );
    expect(registered.hitRate).toEqual({ k: 2, oot: 1, precision: 0.5, baseline: { algorithm: 'popularity', oot: 0.75 } });
    expect(registered.summary).toBe(
      'purchase-recommendation v0001 (co-purchase, embedded): hit rate@2 OOT 1.000, precision@2 0.500 (popularity 0.750); 4 customer_unique_id held out, 3 of them seen before; promoted to champion',
    );
    const scored = await scoreModel(ports(), { model, settings: SETTINGS });
    expect(scored).toMatchObject({ table: 'category_recommendations', dtScore: '2018-04-01', rowsIn: 13, rowsOut: 12 });
    const rows = await lake.table('refined', 'category_recommendations', 'customer_unique_id, item_rank');
    const lists: Record<string, typeof rows> = {};
    for (const row of rows) (lists[row.customer_unique_id!] ??= []).push(row);
    // u2's whole history is {furniture, brinquedos}: the tie goes to furniture; u6 has furniture only.
    expect(lists.u2!.map((row) => [row.product_category, Number(row.score).toFixed(3), row.basis])).toEqual([['furniture', '1.354', 'history'], ['brinquedos', '1.354', 'history']]);
    expect(lists.u6!.map((row) => [row.product_category, Number(row.score).toFixed(3), row.basis])).toEqual([['furniture', '1.000', 'history'], ['beauty', '0.577', 'history']]);
    expect(Object.keys(lists).sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
    expect(rows.every((row) => row.model === 'purchase-recommendation' && row.model_version === 'v0001' && row.dt_score === '2018-04-01')).toBe(true);
  });

  it('judges the champion again on the next run\'s split at the gate, and keeps it against a weaker challenger', async () => {
    const next = 'run-rec-2';
    // A popularity-only definition: its challenger is the baseline, 0.75 against the champion's 1.
    const baselineOnly = { ...model, algorithms: ['popularity'] as const };
    await trainModel(ports(), { model: baselineOnly, runId: next, settings: SETTINGS });
    await evaluateModel(ports(), { model: baselineOnly, runId: next, settings: SETTINGS });
    const gate = await gateModel(ports(), { model: baselineOnly, runId: next, settings: SETTINGS });
    expect(gate).toMatchObject({ promote: false, challenger: { algorithm: 'popularity', value: 0.75 }, champion: { version: 1, value: 1 } });
    expect(gate.reason).toBe("hit_rate_at_k_oot 0.7500 is worse than champion v1's 1.0000 by more than 0.01");
  });
});
