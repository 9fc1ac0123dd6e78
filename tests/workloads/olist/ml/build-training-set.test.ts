/**
 * buildTrainingSet: the churn ABT and the segmentation base, from the
 * feature store. The churn label is checked row by row against an
 * independent TypeScript reading of the rule, computed from the raw order
 * and item rows; the split against the same seeded hash computed here.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSettings } from '../../../../config/schema.ts';
import { buildTrainingSet, type ChurnTrainingSet } from '../../../../workloads/olist/ml/build-training-set.ts';
import { ACTIVE_DAYS, SNAPSHOT_FEATURES } from '../../../../workloads/olist/features.ts';
import { buildHandMadeOlist, featuresOf, openSampleFeatureLake, sampleCsv } from './sample-lake.ts';
import { buildConsistentTables, closeDatabase, openLake, type TestLake } from '../../../pipelines/support/lake.ts';
import { environmentNamed } from '../../../support/environments.ts';

const DEFAULTS = environmentNamed('dev').models;
const settings = (churn: Partial<ModelSettings['classifier']> = {}): ModelSettings => ({ ...DEFAULTS, classifier: { ...DEFAULTS.classifier, ...churn } });

interface AbtRow {
  seller_id: string;
  dt_reference: string;
  churn: number;
  split: string;
}

// ---------------------------------------------------------------- the rule, independently

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
const nextMonth = (date: string) => {
  const [year, month] = date.split('-').map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
};

/**
 * Sellers' sale dates from raw rows: an order with an item of the seller,
 * dated by its purchase; then, per snapshot whose 45-day horizon is inside
 * the data, every seller whose last sale before it is at most 45 days old,
 * labelled 0 only if they sell on a day e with dt <= e and e - dt <= 45 - recency.
 */
function expectedLabels(orders: readonly string[], items: readonly string[]): Omit<AbtRow, 'split'>[] {
  const purchased = new Map(orders.map((line) => line.split(',')).map((fields) => [fields[0]!, fields[3]!.slice(0, 10)]));
  const sales = new Map<string, Set<string>>();
  for (const fields of items.map((line) => line.split(','))) {
    const date = purchased.get(fields[0]!);
    if (!date) continue;
    if (!sales.has(fields[3]!)) sales.set(fields[3]!, new Set());
    sales.get(fields[3]!)!.add(date);
  }
  const every = [...sales.values()].flatMap((dates) => [...dates]).sort();
  const [first, last] = [every[0]!, every.at(-1)!];
  const rows: Omit<AbtRow, 'split'>[] = [];
  for (let dt = nextMonth(first); dt <= nextMonth(last); dt = nextMonth(dt)) {
    if (daysBetween(dt, last) < ACTIVE_DAYS) continue;
    for (const [seller, dates] of sales) {
      const before = [...dates].filter((date) => date < dt).sort();
      if (before.length === 0) continue;
      const recency = daysBetween(before.at(-1)!, dt);
      if (recency > ACTIVE_DAYS) continue;
      const sellsAgain = [...dates].some((e) => e >= dt && daysBetween(dt, e) <= ACTIVE_DAYS - recency);
      rows.push({ seller_id: seller, dt_reference: dt, churn: sellsAgain ? 0 : 1 });
    }
  }
  return rows.sort((a, b) => (a.dt_reference + a.seller_id < b.dt_reference + b.seller_id ? -1 : 1));
}

const dataLines = (csv: string) => csv.split('\n').slice(1).filter((line) => line.trim() !== '');

async function abtRows(lake: TestLake): Promise<AbtRow[]> {
  const rows = await lake.rows(`select seller_id, dt_reference, churn, split from ${lake.engine.relations.ref('refined', 'abt_churn')}`, 'dt_reference, seller_id');
  return rows.map((row) => ({ seller_id: row.seller_id!, dt_reference: row.dt_reference!, churn: Number(row.churn), split: row.split! }));
}

// ---------------------------------------------------------------- edge cases of the label

/** Sales as (seller, date) pairs, one order each, through a consistent minimal Olist. */
async function buildSales(lake: TestLake, sales: readonly (readonly [string, string])[]): Promise<{ orders: string[]; items: string[] }> {
  const orders = sales.map(([seller, date]) => `${seller}-${date},c1,delivered,${date} 12:00:00,,,,`);
  const items = sales.map(([seller, date]) => `${seller}-${date},1,p1,${seller},,10.00,1.00`);
  await buildConsistentTables(lake, {
    orders,
    order_items: items,
    // One payment and one review: the label reads only sales, these keep every feature input non-trivial.
    order_payments: [`${orders[0]!.split(',')[0]},1,boleto,1,11.00`],
    order_reviews: [`r1,${orders[0]!.split(',')[0]},5,,,2018-07-01 00:00:00,`],
    customers: ['c1,u1,01001,sao paulo,SP'],
    products: ['p1,moveis,40,300,2,500,20,10,15'],
    // Every seller known: an item of an unknown seller waits in quarantine instead of reaching trusted.
    sellers: [...new Set(sales.map(([seller]) => seller))].map((seller) => `${seller},01001,sao paulo,SP`),
    geolocation: [],
  });
  return { orders, items };
}

describe('the churn label, at the edges of the rule (snapshot 2018-03-01)', () => {
  let lake: TestLake;
  let expected: Omit<AbtRow, 'split'>[];
  let rows: AbtRow[];
  beforeAll(async () => {
    lake = await openLake();
    const { orders, items } = await buildSales(lake, [
      // recency 9 (last sale 2018-02-20): may sell again until dt + 36 days
      ['atSnapshot', '2018-02-20'], ['atSnapshot', '2018-03-01'],
      ['atLimit', '2018-02-20'], ['atLimit', '2018-04-06'],
      ['pastLimit', '2018-02-20'], ['pastLimit', '2018-04-07'],
      // recency exactly 45 (2018-01-15): active; only a sale on the snapshot's day keeps them
      ['recency45', '2018-01-15'], ['recency45', '2018-03-01'],
      ['recency45Late', '2018-01-15'], ['recency45Late', '2018-03-02'],
      // recency 46 (2018-01-14): not active at 2018-03-01
      ['recency46', '2018-01-14'], ['recency46', '2018-03-01'],
      // a sale the day before the snapshot is the last one, not a next one
      ['noNext', '2018-02-28'],
      // the data runs to 2018-06-01: the horizons of 2018-02-01 to 2018-04-01 are inside it
      ['filler', '2018-06-01'],
    ]);
    expected = expectedLabels(orders, items);
    await featuresOf(lake);
    await buildTrainingSet(lake.engine, 'seller-churn', settings());
    rows = await abtRows(lake);
  });
  afterAll(async () => {
    await lake.close();
  });

  it('labels each case as the rule says', () => {
    const at = Object.fromEntries(rows.filter((row) => row.dt_reference === '2018-03-01').map((row) => [row.seller_id, row.churn]));
    expect(at).toEqual({ atSnapshot: 0, atLimit: 0, pastLimit: 1, recency45: 0, recency45Late: 1, noNext: 1 });
  });

  it('agrees row by row with the independent implementation, every snapshot', () => {
    expect(rows.map(({ split: _split, ...row }) => row)).toEqual(expected);
    expect(new Set(rows.map((row) => row.dt_reference))).toEqual(new Set(['2018-02-01', '2018-03-01', '2018-04-01']));
  });
});

// ---------------------------------------------------------------- the Olist sample

describe('the churn ABT on the Olist sample', () => {
  let lake: TestLake;
  let expected: Omit<AbtRow, 'split'>[];
  let rows: AbtRow[];
  let build: ChurnTrainingSet;
  beforeAll(async () => {
    lake = await openSampleFeatureLake();
    expected = expectedLabels(dataLines(sampleCsv('orders')), dataLines(sampleCsv('order_items')));
    build = await buildTrainingSet(lake.engine, 'seller-churn', settings({ ootSnapshots: [], seed: 42, testFraction: 0.3 }));
    rows = await abtRows(lake);
  }, 60_000);
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('labels every active seller at every snapshot with its horizon in the data exactly as the independent implementation', () => {
    expect(rows.length).toBeGreaterThan(1000);
    expect(rows.map(({ split: _split, ...row }) => row)).toEqual(expected);
  });

  it('reports its rows, features, snapshots and splits', async () => {
    const snapshots = [...new Set(expected.map((row) => row.dt_reference))];
    expect(build).toMatchObject({
      model: 'seller-churn',
      table: 'abt_churn',
      rows: rows.length,
      rowsOut: rows.length,
      features: SNAPSHOT_FEATURES.map((column) => column.name),
      snapshots: { first: snapshots[0], last: snapshots.at(-1) },
    });
    const count = (split: string, churn?: number) => rows.filter((row) => row.split === split && (churn === undefined || row.churn === churn)).length;
    expect(build.splits).toEqual({ train: count('train'), test: count('test'), oot: count('oot') });
    expect(build.positives).toEqual({ train: count('train', 1), test: count('test', 1), oot: count('oot', 1) });
    const described = await lake.engine.query<{ column_name: string; column_type: string }>(`describe select * from ${lake.engine.relations.ref('refined', 'abt_churn')}`);
    expect(described.slice(0, 4)).toMatchObject([
      { column_name: 'seller_id', column_type: 'VARCHAR' },
      { column_name: 'dt_reference', column_type: 'DATE' },
      { column_name: 'churn', column_type: 'INTEGER' },
      { column_name: 'split', column_type: 'VARCHAR' },
    ]);
    expect(described.slice(4).map((column) => column.column_name)).toEqual(SNAPSHOT_FEATURES.map((column) => column.name));
  });

  it('holds out the latest snapshot whose 45-day horizon lies inside the data as OOT by default', () => {
    const latest = expected.at(-1)!.dt_reference;
    expect(build.oot).toEqual([latest]);
    expect(rows.filter((row) => row.split === 'oot').every((row) => row.dt_reference === latest)).toBe(true);
    expect(rows.filter((row) => row.dt_reference === latest).every((row) => row.split === 'oot')).toBe(true);
  });

  it('splits the in-time rows per churn class: round(n x testFraction) of each class in test, chosen by md5(seed || seller_id || dt_reference)', () => {
    const inTime = rows.filter((row) => row.split !== 'oot');
    for (const churn of [0, 1]) {
      const members = inTime.filter((row) => row.churn === churn);
      const key = (row: AbtRow) => createHash('md5').update(`42${row.seller_id}${row.dt_reference}`).digest('hex');
      const ordered = [...members].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const testCount = Math.round(members.length * 0.3);
      const expectedTest = new Set(ordered.slice(0, testCount).map((row) => `${row.seller_id}/${row.dt_reference}`));
      const actualTest = new Set(members.filter((row) => row.split === 'test').map((row) => `${row.seller_id}/${row.dt_reference}`));
      expect(actualTest.size, `churn ${churn}`).toBe(testCount);
      expect(actualTest, `churn ${churn}`).toEqual(expectedTest);
    }
  });

  it('is deterministic for a seed, and another seed picks other rows in the same proportions', async () => {
    await buildTrainingSet(lake.engine, 'seller-churn', settings({ seed: 42, testFraction: 0.3 }));
    expect(await abtRows(lake)).toEqual(rows);
    const reseeded = await buildTrainingSet(lake.engine, 'seller-churn', settings({ seed: 7, testFraction: 0.3 }));
    const other = await abtRows(lake);
    expect(reseeded.splits).toEqual(build.splits);
    expect(reseeded.positives).toEqual(build.positives);
    const testOf = (abt: AbtRow[]) => abt.filter((row) => row.split === 'test').map((row) => `${row.seller_id}/${row.dt_reference}`);
    expect(testOf(other)).not.toEqual(testOf(rows));
  });

  it('holds out the configured OOT snapshots instead, and refuses one that is not a snapshot of the ABT', async () => {
    const configured = await buildTrainingSet(lake.engine, 'seller-churn', settings({ ootSnapshots: ['2017-06-01', '2018-01-01'] }));
    expect(configured.oot).toEqual(['2017-06-01', '2018-01-01']);
    const abt = await abtRows(lake);
    for (const row of abt) expect(row.split === 'oot', `${row.seller_id} ${row.dt_reference}`).toBe(['2017-06-01', '2018-01-01'].includes(row.dt_reference));
    await expect(buildTrainingSet(lake.engine, 'seller-churn', settings({ ootSnapshots: ['2018-12-01'] }))).rejects.toThrow(
      /models\.classifier\.ootSnapshots: 2018-12-01 is not a snapshot of the ABT; allowed: 2016-1\d-01, .*2018-0\d-01 \(the 1st of a month whose 45-day horizon lies inside the data\), or \[\] for the latest/,
    );
  });

  it('builds the segmentation base from the sellers active at the latest representative snapshot: the sample’s last one, as trade dries up, holds too few', async () => {
    const segments = await buildTrainingSet(lake.engine, 'seller-segments', settings());
    const sales = lake.engine.relations.ref('refined', 'fs_seller_sales');
    const sizes = await lake.rows(`select dt_reference as dt, count(*) as sellers from ${sales} where recency_days <= ${ACTIVE_DAYS} group by dt_reference`, 'dt');
    const average = sizes.reduce((sum, row) => sum + Number(row.sellers), 0) / sizes.length;
    // The latest snapshot holding at least half an average snapshot's active sellers.
    const representative = sizes.filter((row) => Number(row.sellers) * 2 >= average).at(-1)!.dt!;
    expect(representative < sizes.at(-1)!.dt!).toBe(true);
    const active = await lake.rows(`select seller_id from ${sales} where dt_reference = date '${representative}' and recency_days <= ${ACTIVE_DAYS}`, 'seller_id');
    const base = await lake.rows(`select seller_id, dt_reference from ${lake.engine.relations.ref('refined', 'segment_base')}`, 'seller_id');
    expect(base).toEqual(active.map((row) => ({ seller_id: row.seller_id, dt_reference: representative })));
    expect(segments).toMatchObject({ model: 'seller-segments', table: 'segment_base', rows: base.length, snapshots: { first: representative, last: representative } });
  });
});

describe('when no snapshot can be labelled', () => {
  it('says so, with the last sale and the snapshots it has', async () => {
    const lake = await openLake();
    try {
      await buildHandMadeOlist(lake, {
        orders: ['o1,c1,delivered,2018-01-03 10:00:00,,,,', 'o2,c2,delivered,2018-01-20 10:00:00,,,,'],
        order_items: ['o1,1,p1,sA,,10.00,1.00', 'o2,1,p1,sB,,10.00,1.00'],
      });
      await featuresOf(lake);
      await expect(buildTrainingSet(lake.engine, 'seller-churn', settings())).rejects.toThrow(
        "abt_churn: no snapshot's 45-day churn horizon lies inside the data: the last sale is 2018-01-20, so a snapshot needs dt_reference + 45 days <= 2018-01-20, and the feature store's snapshots run 2018-02-01 to 2018-02-01.",
      );
    } finally {
      await lake.close();
    }
  });
});
