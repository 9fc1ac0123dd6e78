/**
 * The feature store's SQL (workloads/olist/sql/features/, sql/ml/): it
 * renders for every engine, outputs exactly the columns the dataset
 * definitions declare, and computes, on a hand-made Olist, the values worked
 * out by hand below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRAZILIAN_STATES } from '../../../workloads/olist/values.ts';
import {
  abtChurn,
  ACTIVE_DAYS,
  FEATURE_DATASETS,
  featureColumns,
  ML_DATASETS,
  segmentBase,
  SNAPSHOT_FEATURES,
  TOP_CATEGORIES,
  WINDOW_MONTHS,
} from '../../../workloads/olist/features.ts';
import { PAYMENT_TYPES } from '../../../workloads/olist/values.ts';
import { DIALECTS, MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, loadModels, renderModel, type RenderOptions, type Relations } from '../../../pipelines/sql/render.ts';
import { closeDatabase, openLake, type TestLake } from '../../pipelines/support/lake.ts';
import { buildHandMadeOlist, featuresOf } from './ml/sample-lake.ts';

const names: Relations = { source: (table) => `src_${table}`, ref: (layer, table) => `${layer}.${table}` };
const EVERY_INPUT: RenderOptions = {
  ml: {
    snapshots: 'tmp_snapshots',
    oot_snapshots: 'tmp_oot',
    seller_snapshot_features: '(select 1) features',
    order_delay_features: '(select 1) features',
    seller_activation_features: '(select 1) features',
    category_purchases: '(select 1) purchases',
  },
  params: { active_days: ACTIVE_DAYS, seed: '42', test_fraction: 0.3, dt_score: { date: '2018-10-01' }, model: 'seller-churn', window_days: 90, holdout_months: 3 },
};
const FEATURE_MODELS = loadModels('features');
// This workload's: the other workloads' ML models are their own tests'.
const ML_MODELS = loadModels('ml').filter((model) => model.workload === 'olist');

type Value = number | string | null;

/** A feature row as numbers (DuckDB BIGINT arrives as bigint), dates as text. */
async function featureRow(lake: TestLake, table: string, seller: string, date: string): Promise<Record<string, Value> | undefined> {
  const rows = await lake.engine.query<Record<string, unknown>>(
    `select * from ${lake.engine.relations.ref('refined', table)} where seller_id = '${seller}' and dt_reference = date '${date}'`,
  );
  expect(rows.length, `${table} rows of ${seller} at ${date}`).toBeLessThanOrEqual(1);
  if (!rows[0]) return undefined;
  return Object.fromEntries(
    Object.entries(rows[0]).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value === null || typeof value === 'number' ? value : String(value)]),
  );
}

/** Every numeric value close to the expected one; NULL where null is expected. */
function expectValues(actual: Record<string, Value> | undefined, expected: Record<string, number | null>, what: string): void {
  expect(actual, what).toBeDefined();
  for (const [column, value] of Object.entries(expected)) {
    if (value === null) expect(actual![column], `${what}: ${column}`).toBeNull();
    else expect(actual![column], `${what}: ${column}`).toBeCloseTo(value, 9);
  }
}

describe('feature SQL: rendering and declared columns', () => {
  it('has one model per feature table and one per ML table, named after their tables', () => {
    expect(FEATURE_MODELS.map((model) => model.table)).toEqual(FEATURE_DATASETS.map((dataset) => dataset.name).sort());
    expect(ML_MODELS.map((model) => model.table)).toEqual([
      'abt_churn',
      'abt_order_delay',
      'abt_seller_activation',
      'category_purchases',
      'churn_watchlist',
      'order_delay_features',
      'order_delay_open_orders',
      'recommendation_interactions',
      'segment_base',
      'seller_activation_features',
      'seller_activation_pending',
      'seller_snapshot_features',
    ]);
    expect(FEATURE_MODELS.every((model) => model.layer === 'refined' && model.file.startsWith('workloads/olist/sql/features/'))).toBe(true);
  });

  for (const model of [...FEATURE_MODELS, ...ML_MODELS]) {
    for (const dialect of DIALECTS) {
      it(`renders ${model.file} for ${dialect} with every macro expanded and no comment left`, () => {
        const sql = renderModel(model, dialect, names, EVERY_INPUT);
        expect(sql).not.toMatch(/\{\{|\}\}/);
        expect(sql).not.toMatch(/^\s*--/m);
        expect(sql).toMatch(/^(select|with)\b/);
      });
    }
  }

  it('every feature model looks back WINDOW_MONTHS months from the snapshot, as the column descriptions say', () => {
    for (const model of FEATURE_MODELS) expect(model.text, model.file).toContain(`{{ add_months(dt_reference, -${WINDOW_MONTHS}) }} as window_start`);
    for (const dataset of FEATURE_DATASETS) expect(dataset.description, dataset.name).toContain(`the ${WINDOW_MONTHS} months before dt_reference`);
  });

  it('renders the date, median, text and hash macros with each engine’s functions', () => {
    expect(MACROS.add_months!('duckdb', 'd', '-6')).toBe('cast(d + to_months(cast(-6 as integer)) as date)');
    expect(MACROS.add_months!('trino', 'd', '-6')).toBe("date_add('month', -6, d)");
    expect(MACROS.add_months!('spark', 'd', '-6')).toBe('add_months(d, -6)');
    expect(MACROS.add_days!('trino', 'd', '45')).toBe("date_add('day', 45, d)");
    expect(MACROS.add_days!('spark', 'd', '45')).toBe('date_add(d, 45)');
    expect(MACROS.median!('duckdb', 'x')).toBe('quantile_cont(x, 0.5)');
    expect(MACROS.median!('trino', 'x')).toBe('approx_percentile(x, 0.5)');
    expect(MACROS.median!('spark', 'x')).toBe('percentile(x, 0.5)');
    expect(MACROS.to_text!('spark', 'd')).toBe('cast(d as string)');
    expect(MACROS.md5_hex!('duckdb', 'k')).toBe('md5(k)');
    expect(MACROS.md5_hex!('trino', 'k')).toBe('lower(to_hex(md5(to_utf8(k))))');
    expect(MACROS.md5_hex!('spark', 'k')).toBe('md5(k)');
    const abt = renderModel(loadModel('ml', 'abt_churn'), 'trino', names, EVERY_INPUT);
    expect(abt).toContain("concat('42', l.seller_id, cast(l.dt_reference as varchar)) as split_key");
    expect(abt).toContain('order by lower(to_hex(md5(to_utf8(split_key)))), seller_id, dt_reference');
  });

  it('evaluates the date and hash macros on DuckDB as the other engines define them', async () => {
    const lake = await openLake();
    try {
      const [row] = await lake.rows(
        `select ${MACROS.add_months!('duckdb', "date '2018-03-31'", '-6')} as back, ${MACROS.add_days!('duckdb', "date '2018-01-01'", '45')} as ahead,
                ${MACROS.md5_hex!('duckdb', "'42sA2018-01-01'")} as hash`,
      );
      // Trino's date_add('month') and Spark's add_months clamp to the month's end the same way.
      expect(row).toEqual({ back: '2017-09-30', ahead: '2018-02-15', hash: (await import('node:crypto')).createHash('md5').update('42sA2018-01-01').digest('hex') });
    } finally {
      await lake.close();
    }
  });

  it('fails naming the file when a caller leaves out an ml relation or a param', () => {
    const model = loadModel('features', 'fs_seller_sales');
    expect(() => renderModel(model, 'duckdb', names)).toThrow(/workloads\/olist\/sql\/features\/fs_seller_sales\.sql: reads ref\(ml, snapshots\), which the caller did not provide; provided: none/);
    const snapshotFeatures = loadModel('ml', 'seller_snapshot_features');
    expect(() => renderModel(snapshotFeatures, 'duckdb', names)).toThrow(/seller_snapshot_features\.sql: param\(active_days\) has no value/);
    expect(() => renderModel({ ...model, text: 'select {{ feature_columns(orders, o) }}' }, 'duckdb', names)).toThrow(
      /fs_seller_sales\.sql: feature_columns\(orders\): workloads\/olist declares no column list "orders"; lists: fs_seller_sales, .*seller_snapshot_features/,
    );
    expect(() => renderModel({ ...model, text: 'select {{ param(d) }}' }, 'duckdb', names, { params: { d: { date: '1/1/2018' } } })).toThrow(
      /param\(d\) must be a date yyyy-MM-dd/,
    );
  });

  it('declares 27 state shares, 15 category shares plus the rest, and four payment types; no feature name twice', () => {
    const names = (table: string) => featureColumns(FEATURE_DATASETS.find((dataset) => dataset.name === table)!).map((column) => column.name);
    expect(names('fs_seller_customers').filter((name) => name.startsWith('share_orders_'))).toEqual(BRAZILIAN_STATES.map((state) => `share_orders_${state.toLowerCase()}`));
    expect(TOP_CATEGORIES).toHaveLength(15);
    expect(new Set(TOP_CATEGORIES).size).toBe(15);
    expect(names('fs_seller_products').filter((name) => name.startsWith('share_items_'))).toEqual([...TOP_CATEGORIES.map((category) => `share_items_${category}`), 'share_items_other']);
    for (const type of PAYMENT_TYPES.filter((type) => type !== 'not_defined')) expect(names('fs_seller_payments')).toContain(`share_payment_value_${type}`);
    const all = SNAPSHOT_FEATURES.map((column) => column.name);
    expect(new Set(all).size).toBe(all.length);
    expect(abtChurn.columns.map((column) => column.name)).toEqual(['seller_id', 'dt_reference', 'churn', 'split', ...all]);
    expect(segmentBase.columns.map((column) => column.name)).toEqual(['seller_id', 'dt_reference', ...all]);
    for (const dataset of [...FEATURE_DATASETS, ...ML_DATASETS]) {
      // They become the Glue column comments.
      for (const column of dataset.columns) expect(column.description, `${dataset.name}.${column.name}`).toMatch(/^[A-Z0-9].*\w.*\.$/);
    }
  });
});

describe('feature SQL on DuckDB, hand-made Olist', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await openLake();
    await buildHandMadeOlist(lake);
    await featuresOf(lake);
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('every feature model outputs seller_id, dt_reference, then exactly its dataset’s features, in order', async () => {
    const snapshots = await lake.engine.loadRows('cols_snapshots', [{ name: 'dt_reference', type: 'date' }], [['2018-01-01']]);
    for (const dataset of FEATURE_DATASETS) {
      const sql = renderModel(loadModel('features', dataset.name), 'duckdb', lake.engine.relations, { ml: { snapshots } });
      const described = await lake.engine.query<{ column_name: string }>(`describe ${sql}`);
      expect(described.map((column) => column.column_name), dataset.name).toEqual(['seller_id', 'dt_reference', ...featureColumns(dataset).map((column) => column.name)]);
      // Stored: the declared columns, the snapshot as the partition folder.
      const stored = await lake.engine.query<{ column_name: string; column_type: string }>(`describe select * from ${lake.engine.relations.ref('refined', dataset.name)}`);
      expect(stored.map((column) => column.column_name), dataset.name).toEqual([...dataset.columns.map((column) => column.name), 'dt_reference']);
      expect(stored.at(-1)!.column_type).toBe('DATE');
    }
  });

  it('one row per seller with a sale in the 6 months before the snapshot: the window’s first day in, the snapshot’s day out', async () => {
    const sellers = async (date: string) =>
      (await lake.rows(`select seller_id from ${lake.engine.relations.ref('refined', 'fs_seller_sales')} where dt_reference = date '${date}'`, 'seller_id')).map(
        (row) => row.seller_id,
      );
    expect(await sellers('2018-01-01')).toEqual(['sA', 'sB', 'sD']);
    // sC sold on 2017-03-01 only: inside the window of 2017-09-01 (from 2017-03-01), outside that of 2017-10-01.
    expect(await sellers('2017-09-01')).toEqual(['sA', 'sC', 'sD']);
    expect(await sellers('2017-10-01')).toEqual(['sD']);
    for (const dataset of FEATURE_DATASETS) {
      const [counts] = await lake.rows(
        `select count(*) as n, count(distinct seller_id || cast(dt_reference as varchar)) as keys from ${lake.engine.relations.ref('refined', dataset.name)}`,
      );
      expect(counts!.n, dataset.name).toBe(counts!.keys);
      expect(counts!.n, dataset.name).toBe('26');
    }
  });

  it('fs_seller_sales: volume, recency, ticket, prices, lifetime before the window, gaps between sale days', async () => {
    expectValues(await featureRow(lake, 'fs_seller_sales', 'sA', '2018-01-01'), {
      orders: 4, // o1, o2, o3, o4; o0 is before the window
      distinct_sale_days: 4,
      items: 5,
      revenue: 200, // 60 + 60 + 50 + 30
      recency_days: 2, // last sale 2017-12-30
      avg_ticket: 50,
      avg_item_price: 40,
      min_item_price: 20,
      max_item_price: 60,
      items_per_order: 1.25,
      min_order_value: 30, // o4; o1 counts sA's items only (60)
      max_order_value: 60,
      lifetime_value: 300, // o0's 100 too
      days_since_first_sale: 297, // 2017-03-10 to 2018-01-01
      avg_days_between_sales: 86 / 3, // 2017-10-05 to 2017-12-30 over three gaps
    }, 'sA');
    expectValues(await featureRow(lake, 'fs_seller_sales', 'sB', '2018-01-01'), {
      orders: 1,
      items: 1,
      revenue: 40,
      recency_days: 61,
      avg_ticket: 40,
      lifetime_value: 40,
      days_since_first_sale: 61,
      avg_days_between_sales: null, // a single sale day
    }, 'sB');
    // sD's sale on the snapshot's own day is not in the snapshot.
    expectValues(await featureRow(lake, 'fs_seller_sales', 'sD', '2018-01-01'), { orders: 1, recency_days: 184, lifetime_value: 15 }, 'sD');
    expectValues(await featureRow(lake, 'fs_seller_sales', 'sD', '2018-02-01'), { orders: 1, recency_days: 31, lifetime_value: 30 }, 'sD next month');
  });

  it('fs_seller_reviews: one score per order, the latest known before the snapshot; NULL scores without reviews', async () => {
    // o1 scored 4 (r1); r1b (2) came after 2018-01-01. o2 scored 1 (no answer date: known when sent). o3, o4 unreviewed.
    expectValues(await featureRow(lake, 'fs_seller_reviews', 'sA', '2018-01-01'), {
      avg_review_score: 2.5,
      median_review_score: 2.5,
      min_review_score: 1,
      max_review_score: 4,
      share_orders_reviewed: 0.5,
    }, 'sA');
    // A month later r1b is known and replaces r1.
    expectValues(await featureRow(lake, 'fs_seller_reviews', 'sA', '2018-02-01'), { avg_review_score: 1.5, max_review_score: 2 }, 'sA next month');
    expectValues(await featureRow(lake, 'fs_seller_reviews', 'sD', '2018-01-01'), {
      avg_review_score: null,
      median_review_score: null,
      min_review_score: null,
      max_review_score: null,
      share_orders_reviewed: 0,
    }, 'sD');
  });

  it('fs_seller_customers: distinct people and states, order shares per state summing to 1', async () => {
    const row = await featureRow(lake, 'fs_seller_customers', 'sA', '2018-01-01');
    // o1 and o3: u1 in SP (two customer_ids, one person); o2: RJ; o4: MG.
    expectValues(row, { distinct_customers: 3, distinct_states: 3, share_orders_sp: 0.5, share_orders_rj: 0.25, share_orders_mg: 0.25, share_orders_pr: 0 }, 'sA');
    const shares = BRAZILIAN_STATES.map((state) => row![`share_orders_${state.toLowerCase()}`] as number);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
  });

  it('fs_seller_delivery: late and lead times from deliveries before the snapshot only, cancellations, freight per order', async () => {
    // Delivered before 2018-01-01: o1 (a day late, 10 days from approval and purchase), o4 (12 days early,
    // 2 days from approval, 3 from purchase). o3 arrived after the snapshot; o2 was canceled.
    expectValues(await featureRow(lake, 'fs_seller_delivery', 'sA', '2018-01-01'), {
      share_late: 0.5,
      share_canceled: 0.25,
      avg_freight_per_order: 6.75, // o1 8, o2 10, o3 5, o4 4
      min_freight_per_order: 4,
      max_freight_per_order: 10,
      avg_days_approved_to_delivered: 6,
      avg_days_purchase_to_delivered: 6.5,
      avg_days_delivered_vs_promised: -5.5,
    }, 'sA');
    expectValues(await featureRow(lake, 'fs_seller_delivery', 'sD', '2018-01-01'), { share_late: null, share_canceled: 0, avg_days_purchase_to_delivered: null }, 'sD');
  });

  it('fs_seller_payments: an order’s payments split by the sellers’ share of its item value', async () => {
    // o1: sA holds 60 of 100 in items, sB 40: its credit card 80 and voucher 20 go 0.6 / 0.4.
    const a = await featureRow(lake, 'fs_seller_payments', 'sA', '2018-01-01');
    expectValues(a, {
      payments: 4.2, // 0.6 + 0.6 (o1) + 1 (o2) + 1 (o3) + 1 (o4)
      payment_value: 215, // 48 + 12 + 70 + 55 + 30
      payments_credit_card: 1.6,
      payment_value_credit_card: 103,
      share_payments_credit_card: 1.6 / 4.2,
      share_payment_value_credit_card: 103 / 215,
      payments_boleto: 1,
      payment_value_boleto: 70,
      payments_voucher: 0.6,
      payment_value_voucher: 12,
      payments_debit_card: 1,
      payment_value_debit_card: 30,
      avg_installments_credit_card: 2, // o1's 3 and o3's 1
      max_installments_credit_card: 3,
    }, 'sA');
    const shareSum = ['credit_card', 'boleto', 'voucher', 'debit_card'].reduce((sum, type) => sum + (a![`share_payment_value_${type}`] as number), 0);
    expect(shareSum).toBeCloseTo(1, 12);
    const b = await featureRow(lake, 'fs_seller_payments', 'sB', '2018-01-01');
    expectValues(b, { payments: 0.8, payment_value: 40, payment_value_credit_card: 32, payment_value_voucher: 8, share_payment_value_credit_card: 0.8 }, 'sB');
    // Nothing is lost or counted twice: o1's sellers share its 100 exactly.
    expect((a!.payment_value_credit_card as number) - 55 + (b!.payment_value_credit_card as number)).toBeCloseTo(80, 9);
    expectValues(await featureRow(lake, 'fs_seller_payments', 'sD', '2018-01-01'), { payments: 0, payment_value: 0, share_payments_boleto: null, avg_installments_credit_card: null }, 'sD');
  });

  it('fs_seller_products: per item sold, photos and volumes, top-category shares and the rest summing to 1', async () => {
    // Items: p1 (cama_mesa_banho, 2 photos, 1000 cm³) twice, p2 (beleza_saude, 4 photos, 2000 cm³) twice,
    // p3 (livros_tecnicos, not a top category, no photo count, 6000 cm³) once.
    const row = await featureRow(lake, 'fs_seller_products', 'sA', '2018-01-01');
    expectValues(row, {
      distinct_products: 3,
      distinct_categories: 3,
      avg_photos: 3,
      avg_product_volume_cm3: 2400,
      min_product_volume_cm3: 1000,
      max_product_volume_cm3: 6000,
      share_items_cama_mesa_banho: 0.4,
      share_items_beleza_saude: 0.4,
      share_items_eletronicos: 0,
      share_items_other: 0.2,
    }, 'sA');
    const shares = [...TOP_CATEGORIES.map((category) => `share_items_${category}`), 'share_items_other'].map((column) => row![column] as number);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
    expectValues(await featureRow(lake, 'fs_seller_products', 'sB', '2018-01-01'), { avg_photos: null, share_items_other: 1 }, 'sB');
  });

  it('seller_snapshot_features joins the six tables for the sellers active at the snapshot (recency at most 45 days)', async () => {
    const sql = renderModel(loadModel('ml', 'seller_snapshot_features'), 'duckdb', lake.engine.relations, { params: { active_days: ACTIVE_DAYS } });
    const described = await lake.engine.query<{ column_name: string }>(`describe ${sql}`);
    expect(described.map((column) => column.column_name)).toEqual(['seller_id', 'dt_reference', ...SNAPSHOT_FEATURES.map((column) => column.name)]);
    const rows = await lake.rows(`select seller_id, recency_days, share_late, payment_value, share_items_other from (${sql}) f where dt_reference = date '2018-01-01'`, 'seller_id');
    // sB (61 days) and sD (184) are not active.
    expect(rows).toEqual([{ seller_id: 'sA', recency_days: '2', share_late: '0.5', payment_value: '215.0', share_items_other: '0.2' }]);
  });
});
