/**
 * The order-delay model's SQL and builder (workloads/olist/order-delay.ts,
 * sql/ml/order_delay_features.sql, abt_order_delay.sql,
 * order_delay_open_orders.sql, ml/build-order-delay.ts) on a hand-made
 * Olist whose labels, point-in-time features and split are worked out by
 * hand below.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel, type Relations } from '../../../../pipelines/sql/render.ts';
import { SPLITS } from '../../../../pipelines/models/model.ts';
import { buildOrderDelayAbt, orderDelayFeaturesRelation, orderDelayScoringRelation, type OrderDelayTrainingSet } from '../../../../workloads/olist/ml/build-order-delay.ts';
import { abtOrderDelay, ORDER_DELAY_DATASETS, ORDER_DELAY_FEATURES, orderDelayScores } from '../../../../workloads/olist/order-delay.ts';
import { buildConsistentTables, closeDatabase, openLake, type TestLake } from '../../../pipelines/support/lake.ts';

const FEATURES = ORDER_DELAY_FEATURES.map((column) => column.name);
const DEFAULTS = { ootSnapshots: [] as string[], seed: 42, testFraction: 0.3 };

/**
 * Sellers sA (SP), sB (RJ), sC (PR); customers c1 (SP), c2 (RJ), c3 (no
 * state). Purchases from 2018-01-05 to 2018-04-10 (the data end). Dates are
 * purchase, delivery, promise.
 *
 * Labelled (delivered, promised on or before 2018-04-10):
 * - a1 sA+sB, c1: 01-05, 01-21, 01-20: late by a day (1)
 * - a2 sA, c2: 01-10, 01-20 10:00, 01-20 00:00: same day (0)
 * - a3 sA, c1: 01-25, 02-03, 02-10: on time (0)
 * - a4 sA, c1: 01-28, 03-05, 02-20: late (1), known only in March
 * - b1 sA, c2: 02-10, 02-25, 03-01 (0); b2 sC, c1: 02-15, 02-20, 02-28 (0)
 * - m1 sA, c1: 03-10, 03-20, 03-25 (0); m2 sB, c2: 03-20, 04-09, 04-10, promised on the data end (0)
 * Not labelled: m3 (delivered, promised 04-11, after the data end), m4
 * (shipped, March), p4 (delivered, promised 04-20).
 * April, the latest month: p1 shipped, p2 processing, p5 invoiced (open);
 * p3 canceled, p4 delivered (not open).
 */
const ORDERS: Readonly<Record<string, readonly string[]>> = {
  customers: ['c1,u1,01001,sao paulo,SP', 'c2,u2,20000,rio de janeiro,RJ', 'c3,u3,99999,nowhere,'],
  sellers: ['sA,13000,campinas,SP', 'sB,20000,rio de janeiro,RJ', 'sC,80000,curitiba,PR'],
  products: ['p1,moveis,40,300,2,500,20,10,15', 'p2,beleza,35,120,1,200,10,5,5', 'p3,moveis,30,100,1,,10,10,10'],
  orders: [
    'a1,c1,delivered,2018-01-05 10:00:00,,,2018-01-21 09:00:00,2018-01-20 00:00:00',
    'a2,c2,delivered,2018-01-10 10:00:00,,,2018-01-20 10:00:00,2018-01-20 00:00:00',
    'a3,c1,delivered,2018-01-25 10:00:00,,,2018-02-03 10:00:00,2018-02-10 00:00:00',
    'a4,c1,delivered,2018-01-28 10:00:00,,,2018-03-05 10:00:00,2018-02-20 00:00:00',
    'b1,c2,delivered,2018-02-10 10:00:00,,,2018-02-25 10:00:00,2018-03-01 00:00:00',
    'b2,c1,delivered,2018-02-15 10:00:00,,,2018-02-20 10:00:00,2018-02-28 00:00:00',
    'm1,c1,delivered,2018-03-10 10:00:00,,,2018-03-20 10:00:00,2018-03-25 00:00:00',
    'm2,c2,delivered,2018-03-20 10:00:00,,,2018-04-09 10:00:00,2018-04-10 00:00:00',
    'm3,c1,delivered,2018-03-22 10:00:00,,,2018-04-01 10:00:00,2018-04-11 00:00:00',
    'm4,c1,shipped,2018-03-15 10:00:00,,,,2018-04-05 00:00:00',
    'p1,c1,shipped,2018-04-02 10:00:00,,,,2018-04-25 00:00:00',
    'p2,c3,processing,2018-04-05 10:00:00,,,,2018-05-10 00:00:00',
    'p3,c2,canceled,2018-04-06 10:00:00,,,,2018-04-30 00:00:00',
    'p4,c1,delivered,2018-04-08 10:00:00,,,2018-04-12 10:00:00,2018-04-20 00:00:00',
    'p5,c1,invoiced,2018-04-10 10:00:00,,,,2018-05-02 00:00:00',
  ],
  order_items: [
    'a1,1,p1,sA,,40.00,5.00',
    'a1,2,p2,sB,,20.00,5.00',
    'a2,1,p1,sA,,30.00,3.00',
    'a3,1,p1,sA,,30.00,3.00',
    'a4,1,p2,sA,,10.00,2.00',
    'b1,1,p1,sA,,30.00,3.00',
    'b2,1,p2,sC,,25.00,4.00',
    'm1,1,p1,sA,,30.00,3.00',
    'm2,1,p3,sB,,50.00,0.00',
    'm3,1,p1,sB,,30.00,3.00',
    'm4,1,p1,sA,,30.00,3.00',
    'p1,1,p1,sA,,30.00,3.00',
    'p2,1,p2,sB,,20.00,2.00',
    'p3,1,p1,sA,,30.00,3.00',
    'p4,1,p1,sA,,30.00,3.00',
    'p5,1,p2,sC,,20.00,2.00',
  ],
  order_payments: [],
  order_reviews: [],
  geolocation: [],
  product_category_name_translation: ['moveis,furniture', 'beleza,beauty'],
};

type Row = Record<string, string | null>;

const byId = (rows: Row[]) => Object.fromEntries(rows.map((row) => [row.order_id!, row]));
const num = (value: string | null | undefined) => (value === null || value === undefined ? null : Number(value));

/** Expected values; null where NULL is expected. */
function expectFeatures(row: Row | undefined, expected: Record<string, number | null>, what: string): void {
  expect(row, what).toBeDefined();
  for (const [column, value] of Object.entries(expected)) {
    if (value === null) expect(row![column], `${what}: ${column}`).toBeNull();
    else expect(num(row![column]), `${what}: ${column}`).toBeCloseTo(value, 9);
  }
}

describe('order-delay definitions and SQL', () => {
  const names: Relations = { source: (table) => `src_${table}`, ref: (layer, table) => `${layer}.${table}` };

  for (const table of ['order_delay_features', 'abt_order_delay', 'order_delay_open_orders']) {
    it(`renders ${table}.sql for every engine with every macro expanded and no comment left`, () => {
      const model = loadModel('ml', table);
      expect(model.file).toBe(`workloads/olist/sql/ml/${table}.sql`);
      expect(model.text).toMatch(new RegExp(`^-- ${table}: `));
      for (const dialect of DIALECTS) {
        const sql = renderModel(model, dialect, names, {
          ml: { order_delay_features: '(select 1) features', oot_snapshots: 'tmp_oot' },
          params: { seed: '42', test_fraction: 0.3 },
        });
        expect(sql, dialect).not.toMatch(/\{\{|\}\}/);
        expect(sql, dialect).not.toMatch(/^\s*--/m);
        expect(sql, dialect).toMatch(/^(select|with)\b/);
      }
    });
  }

  it('declares the ABT as order_id, dt_reference, late, split, then numeric features, each described', () => {
    expect(abtOrderDelay.columns.map((column) => column.name)).toEqual(['order_id', 'dt_reference', 'late', 'split', ...FEATURES]);
    expect(abtOrderDelay.columns.find((column) => column.name === 'split')!.acceptedValues).toEqual(SPLITS);
    expect(new Set(FEATURES).size).toBe(FEATURES.length);
    for (const column of ORDER_DELAY_FEATURES) expect(['int', 'bigint', 'double'], column.name).toContain(column.type);
    expect(orderDelayScores.columns.map((column) => column.name)).toEqual(['order_id', 'score', 'class', 'model_version', 'model']);
    expect(orderDelayScores.partition).toMatchObject({ column: 'dt_score', kind: 'date', derivedFrom: 'dt_score' });
    for (const dataset of ORDER_DELAY_DATASETS) {
      // They become the Glue column comments.
      expect(dataset.description, dataset.name).toMatch(/^[A-Z].*\.$/);
      for (const column of dataset.columns) expect(column.description, `${dataset.name}.${column.name}`).toMatch(/^[A-Z0-9].*\w.*\.$/);
    }
  });
});

describe('the order-delay ABT\'s default out-of-time month', () => {
  it('is the latest labelled month holding at least half an average month\'s orders: a month the data ends in after a few days is passed over', async () => {
    // Six more January orders: January 10, February 2, March 2; an average month holds 14 / 3, so February and March are thin.
    const january = ['j1', 'j2', 'j3', 'j4', 'j5', 'j6'];
    const lake = await openLake();
    try {
      await buildConsistentTables(lake, {
        ...ORDERS,
        orders: [...ORDERS.orders!, ...january.map((id) => `${id},c1,delivered,2018-01-12 10:00:00,,,2018-01-20 10:00:00,2018-01-25 00:00:00`)],
        order_items: [...ORDERS.order_items!, ...january.map((id) => `${id},1,p1,sA,,30.00,3.00`)],
      });
      const build = await buildOrderDelayAbt(lake.engine, DEFAULTS);
      expect(build.oot).toEqual(['2018-01-01']);
      expect(build.splits.oot).toBe(10);
    } finally {
      await lake.close();
    }
  });
});

describe('the order-delay ABT on a hand-made Olist', () => {
  let lake: TestLake;
  let build: OrderDelayTrainingSet;
  let abt: Record<string, Row>;
  const abtRows = () => lake.rows(`select * from ${lake.engine.relations.ref('refined', 'abt_order_delay')}`, 'order_id');
  beforeAll(async () => {
    lake = await openLake();
    await buildConsistentTables(lake, ORDERS);
    build = await buildOrderDelayAbt(lake.engine, DEFAULTS);
    abt = byId(await abtRows());
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('labels the delivered orders promised by the data end: late by a day 1, same day and on time 0', () => {
    expect(Object.keys(abt).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'm1', 'm2']);
    expect(Object.fromEntries(Object.values(abt).map((row) => [row.order_id, Number(row.late)]))).toEqual({ a1: 1, a2: 0, a3: 0, a4: 1, b1: 0, b2: 0, m1: 0, m2: 0 });
    expect(Object.fromEntries(Object.values(abt).map((row) => [row.order_id, row.dt_reference]))).toMatchObject({ a1: '2018-01-01', b1: '2018-02-01', m2: '2018-03-01' });
  });

  it('leaves unlabelled an order promised after the last purchase date, even when delivered, and undelivered orders', () => {
    // m2 is promised on the data end (2018-04-10): in. m3 (04-11) and p4 (04-20) were delivered but are out.
    expect(abt.m2).toBeDefined();
    for (const order of ['m3', 'p4', 'm4', 'p1', 'p3']) expect(abt[order], order).toBeUndefined();
  });

  it('computes the order facts known at purchase', () => {
    expectFeatures(abt.a1, {
      days_promised: 15,
      items: 2,
      distinct_sellers: 2,
      total_price: 60,
      total_freight: 10,
      freight_share: 10 / 70,
      total_weight_g: 700,
      same_state: 1, // c1 and sA (the first item's seller) in SP
      purchase_month: 1,
      purchase_weekday: 5, // 2018-01-05 was a Friday
      // Nothing was delivered before 2018-01-01.
      seller_prior_orders: 0,
      seller_prior_late_share: null,
      customer_state_prior_late_share: null,
      seller_state_prior_late_share: null,
    }, 'a1');
    expectFeatures(abt.b1, { same_state: 0, purchase_weekday: 6 }, 'b1'); // c2 RJ, sA SP; a Saturday
    expectFeatures(abt.m2, { total_weight_g: null, freight_share: 0, purchase_weekday: 2 }, 'm2'); // p3 has no weight; a Tuesday
  });

  it('counts history only from orders delivered before the purchase month: a later delivery does not leak', () => {
    // At 2018-02-01, sA's deliveries are a1 (late) and a2; a3 (02-03) and a4 (03-05) were bought in January but not delivered yet.
    expectFeatures(abt.b1, { seller_prior_orders: 2, seller_prior_late_share: 0.5, customer_state_prior_late_share: 0, seller_state_prior_late_share: 0.5 }, 'b1');
    // sC has no history, nor has PR; SP customers: a1 only.
    expectFeatures(abt.b2, { seller_prior_orders: 0, seller_prior_late_share: null, customer_state_prior_late_share: 1, seller_state_prior_late_share: null }, 'b2');
    // At 2018-03-01: a1, a2, a3, b1 (a4, late, arrived on 03-05: not yet known). SP customers: a1, a3, b2.
    expectFeatures(abt.m1, { seller_prior_orders: 4, seller_prior_late_share: 0.25, customer_state_prior_late_share: 1 / 3, seller_state_prior_late_share: 0.25 }, 'm1');
    // sB sold an item of a1 (late): its history is the orders with an item of theirs.
    expectFeatures(abt.m2, { seller_prior_orders: 1, seller_prior_late_share: 1, same_state: 1 }, 'm2');
  });

  it('holds out the latest labelled purchase month as OOT and splits the rest per class by md5(seed || order_id)', () => {
    expect(build.oot).toEqual(['2018-03-01']);
    for (const row of Object.values(abt)) expect(row.split === 'oot', row.order_id!).toBe(row.dt_reference === '2018-03-01');
    const key = (order: string) => createHash('md5').update(`42${order}`).digest('hex');
    for (const [late, members] of [[0, ['a2', 'a3', 'b1', 'b2']], [1, ['a1', 'a4']]] as const) {
      const ordered = [...members].sort((a, b) => (key(a) < key(b) ? -1 : 1));
      const testCount = Math.round(members.length * 0.3);
      const test = members.filter((order) => abt[order]!.split === 'test');
      expect(test.sort(), `late ${late}`).toEqual(ordered.slice(0, testCount).sort());
      expect(members.filter((order) => abt[order]!.split === 'train').length, `late ${late}`).toBe(members.length - testCount);
    }
  });

  it('reports its rows, features, months, splits and positives', () => {
    expect(build).toMatchObject({
      model: 'order-delay',
      table: 'abt_order_delay',
      rows: 8,
      rowsOut: 8,
      rowsIn: ORDERS.orders!.length,
      features: FEATURES,
      snapshots: { first: '2018-01-01', last: '2018-03-01' },
      splits: { train: 4, test: 2, oot: 2 },
      positives: { oot: 0 },
    });
    expect(build.positives.train + build.positives.test).toBe(2);
  });

  it('stores the declared columns and types', async () => {
    const described = await lake.engine.query<{ column_name: string; column_type: string }>(`describe select * from ${lake.engine.relations.ref('refined', 'abt_order_delay')}`);
    expect(described.map((column) => column.column_name)).toEqual(abtOrderDelay.columns.map((column) => column.name));
    expect(described.slice(0, 4).map((column) => column.column_type)).toEqual(['VARCHAR', 'DATE', 'INTEGER', 'VARCHAR']);
  });

  it('holds out the configured months instead, and refuses one that is not a labelled purchase month, naming the setting', async () => {
    const configured = await buildOrderDelayAbt(lake.engine, { ...DEFAULTS, ootSnapshots: ['2018-01-01'] });
    expect(configured.oot).toEqual(['2018-01-01']);
    expect(configured.splits.oot).toBe(4);
    for (const row of await abtRows()) expect(row.split === 'oot', row.order_id!).toBe(row.dt_reference === '2018-01-01');
    await expect(buildOrderDelayAbt(lake.engine, { ...DEFAULTS, ootSnapshots: ['2018-04-01'] })).rejects.toThrow(
      'models.classifier.ootSnapshots: 2018-04-01 is not a labelled purchase month of abt_order_delay; allowed: 2018-01-01, 2018-02-01, 2018-03-01',
    );
    // The failed build left the last one in place.
    expect((await abtRows()).filter((row) => row.split === 'oot').map((row) => row.order_id)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('is the same for a seed, and another seed keeps the class counts per split', async () => {
    const again = await buildOrderDelayAbt(lake.engine, DEFAULTS);
    expect(byId(await abtRows())).toEqual(abt);
    const reseeded = await buildOrderDelayAbt(lake.engine, { ...DEFAULTS, seed: 7 });
    expect(reseeded.splits).toEqual(again.splits);
    expect(reseeded.positives).toEqual(again.positives);
  });

  it('scores every order still open, whatever its purchase month, with the ABT’s feature columns in its order and types', async () => {
    const relation = orderDelayScoringRelation(lake.engine);
    const open = byId(await lake.rows(`select * from ${relation} s`, 'order_id'));
    // p3 canceled, p4 delivered: not open; m4 is open since March.
    expect(Object.keys(open)).toEqual(['m4', 'p1', 'p2', 'p5']);
    expect(open.m4!.dt_reference).toBe('2018-03-01');
    expect(['p1', 'p2', 'p5'].every((id) => open[id]!.dt_reference === '2018-04-01')).toBe(true);
    const scored = await lake.engine.query<{ column_name: string; column_type: string }>(`describe select * from ${relation} s`);
    const stored = await lake.engine.query<{ column_name: string; column_type: string }>(`describe select * from ${lake.engine.relations.ref('refined', 'abt_order_delay')}`);
    const withoutLabel = stored.filter((column) => column.column_name !== 'late' && column.column_name !== 'split');
    expect(scored.map((column) => column.column_name)).toEqual(['order_id', 'dt_reference', ...FEATURES]);
    expect(scored.map((column) => `${column.column_name} ${column.column_type}`)).toEqual(withoutLabel.map((column) => `${column.column_name} ${column.column_type}`));
    // At 2018-04-01 sA's deliveries are a1, a2, a3, a4, b1, m1: two late. c3 has no state.
    expectFeatures(open.p1, { seller_prior_orders: 6, seller_prior_late_share: 2 / 6, days_promised: 23 }, 'p1');
    expectFeatures(open.p2, { same_state: null, customer_state_prior_late_share: null }, 'p2');
    // sC's b2 was on time; SP customers before April: a1, a3, a4, b2, m1 (two late).
    expectFeatures(open.p5, { seller_prior_orders: 1, seller_prior_late_share: 0, customer_state_prior_late_share: 2 / 5 }, 'p5');
  });

  it('computes the features of every order once, the same for training and scoring', async () => {
    const features = byId(await lake.rows(`select * from ${orderDelayFeaturesRelation(lake.engine)} f`, 'order_id'));
    expect(Object.keys(features)).toHaveLength(ORDERS.orders!.length);
    const { late: _late, split: _split, ...trained } = abt.m1!;
    expect(features.m1).toEqual(trained);
  });
});

describe('when no order can be labelled', () => {
  it('says why, with the last purchase date and the earliest promise', async () => {
    const lake = await openLake();
    try {
      await buildConsistentTables(lake, {
        ...ORDERS,
        orders: ['a1,c1,delivered,2018-01-05 10:00:00,,,2018-01-10 09:00:00,2018-01-20 00:00:00', 'a2,c2,shipped,2018-01-10 10:00:00,,,,2018-01-25 00:00:00'],
        order_items: ['a1,1,p1,sA,,40.00,5.00', 'a2,1,p1,sA,,30.00,3.00'],
      });
      await expect(buildOrderDelayAbt(lake.engine, DEFAULTS)).rejects.toThrow(
        'abt_order_delay: no order can be labelled: an order is labelled once delivered with its promised date on or before the last purchase date, which is 2018-01-10, and the earliest promised date of the 1 delivered orders is 2018-01-20. Load more months of orders.',
      );
    } finally {
      await lake.close();
    }
  });
});
