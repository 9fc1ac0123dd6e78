/**
 * The seller-activation model's SQL and builder (workloads/olist/seller-activation.ts,
 * datasets/closed_deals.yaml, sql/ml/seller_activation_features.sql,
 * abt_seller_activation.sql, seller_activation_pending.sql,
 * ml/build-seller-activation.ts) on the consistent Olist of the test lake
 * and hand-made closed deals, whose labels and split are worked out below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel, type Relations } from '../../../../pipelines/sql/render.ts';
import { buildSellerActivationAbt, sellerActivationScoringRelation, type SellerActivationTrainingSet } from '../../../../workloads/olist/ml/build-seller-activation.ts';
import { abtSellerActivation, SELLER_ACTIVATION_DATASETS, SELLER_ACTIVATION_FEATURES, sellerActivation } from '../../../../workloads/olist/seller-activation.ts';
import { buildConsistentTables, closeDatabase, openLake, type TestLake } from '../../../pipelines/support/lake.ts';

const FEATURES = SELLER_ACTIVATION_FEATURES.map((column) => column.name);
/** A 10-day window: the consistent Olist's purchases end on 2017-10-03. */
const SETTINGS = { ootSnapshots: [] as string[], seed: 42, testFraction: 0.3, labelWindowDays: 10 };

/**
 * Sellers s1 (first sale 2017-10-02, order o1) and s2 (2017-10-03, o3) are
 * in the consistent Olist; sw, sx, sy, sz never sell. The data ends on
 * 2017-10-03, so with a 10-day window a deal is labelled when won on or
 * before 2017-09-23:
 * - s1: won 2017-08-01 (an older deal, dropped) and 2017-09-23: first sale
 *   9 days later, activated (1)
 * - sw 2017-08-15, sx 2017-09-20: never sell (0); sz 2017-09-23 14:00 (0)
 * - s2: won 2017-09-25, sold 8 days later: not labelled yet, not scored (it sold)
 * - sy: won 2017-09-30, has not sold: not labelled yet, scored
 */
const DEALS = [
  'm0,s1,sdr1,sr1,2017-08-01 09:00:00,pet,offline,cat,false,,1-5,reseller,10,0',
  'm1,s1,sdr1,sr1,2017-09-23 10:00:00,pet,online_big,eagle,true,true,200+,manufacturer,500,120000',
  'mw,sw,sdr2,sr2,2017-08-15 10:00:00,pet,online_beginner,,,,,reseller,,0',
  'mx,sx,sdr2,sr2,2017-09-20 10:00:00,home_decor,offline,cat,false,false,5-20,reseller,20,1000',
  'mz,sz,sdr1,sr1,2017-09-23 14:00:00,home_decor,online_small,wolf,true,false,20-50,other,40,5000',
  'm2,s2,sdr1,sr2,2017-09-25 10:00:00,computers,online_medium,cat,true,true,50-200,reseller,100,30000',
  'my,sy,sdr2,sr1,2017-09-30 10:00:00,pet,industry,shark,,,unknown,manufacturer,,',
];

type Row = Record<string, string | null>;

describe('seller-activation definitions and SQL', () => {
  const names: Relations = { source: (table) => `src_${table}`, ref: (layer, table) => `${layer}.${table}` };

  for (const table of ['seller_activation_features', 'abt_seller_activation', 'seller_activation_pending']) {
    it(`renders ${table}.sql for every engine with every macro expanded and no comment left`, () => {
      const model = loadModel('ml', table);
      expect(model.file).toBe(`workloads/olist/sql/ml/${table}.sql`);
      for (const dialect of DIALECTS) {
        const sql = renderModel(model, dialect, names, { ml: { seller_activation_features: '(select 1) f', oot_snapshots: 'tmp_oot' }, params: { seed: '42', test_fraction: 0.3, window_days: 90 } });
        expect(sql, dialect).not.toMatch(/\{\{|\}\}/);
        expect(sql, dialect).not.toMatch(/^\s*--/m);
      }
    });
  }

  it('declares the ABT as seller_id, dt_reference, activated, split, then numeric features, each described; the model requires the closed deals', () => {
    expect(abtSellerActivation.columns.map((column) => column.name)).toEqual(['seller_id', 'dt_reference', 'activated', 'split', ...FEATURES]);
    for (const column of SELLER_ACTIVATION_FEATURES) expect(['int', 'bigint', 'double'], column.name).toContain(column.type);
    for (const dataset of SELLER_ACTIVATION_DATASETS) {
      expect(dataset.description, dataset.name).toMatch(/^[A-Z].*\.$/);
      for (const column of dataset.columns) expect(column.description, `${dataset.name}.${column.name}`).toMatch(/^[A-Z0-9].*\w.*\.$/);
    }
    expect(sellerActivation).toMatchObject({ kind: 'classifier', entity: 'seller_id', label: 'activated', requires: ['closed_deals'] });
  });
});

describe('the seller-activation ABT on the consistent Olist and hand-made deals', () => {
  let lake: TestLake;
  let build: SellerActivationTrainingSet;
  let abt: Record<string, Row>;
  beforeAll(async () => {
    lake = await openLake();
    await buildConsistentTables(lake, { closed_deals: DEALS });
    build = await buildSellerActivationAbt(lake.engine, SETTINGS);
    abt = Object.fromEntries((await lake.table('refined', 'abt_seller_activation')).map((row) => [row.seller_id!, row]));
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('labels the deals whose window passed inside the data, by the seller’s latest deal: a first sale within the window is 1', () => {
    expect(Object.fromEntries(Object.values(abt).map((row) => [row.seller_id, Number(row.activated)]))).toEqual({ s1: 1, sw: 0, sx: 0, sz: 0 });
    expect(abt.s1!.dt_reference).toBe('2017-09-01');
    expect(abt.sw!.dt_reference).toBe('2017-08-01');
  });

  it('encodes what the lead declared at its latest deal', () => {
    expect(abt.s1).toMatchObject({ lead_online_big: '1', lead_offline: '0', business_manufacturer: '1', has_company: '1', has_gtin: '1', stock_level: '5', won_month: '9', sold_before_deal: '0' });
    expect(Number(abt.s1!.declared_monthly_revenue)).toBe(120000);
    expect(abt.sw).toMatchObject({ lead_online_beginner: '1', has_company: null, has_gtin: null, stock_level: null, declared_product_catalog_size: null });
  });

  it('holds out the latest months whose every deal is labelled (September’s last days are not), and splits the rest by class', () => {
    // A 10-day window from 2017-09-30 ends after the data (2017-10-03): September is cut, August is whole.
    expect(build.oot).toEqual(['2017-08-01']);
    expect(abt.sw!.split).toBe('oot');
    // September: one activated (its one row to train), two not (round(2 x 0.3) = 1 to test).
    expect(build.splits).toEqual({ train: 2, test: 1, oot: 1 });
    expect(build.positives).toEqual({ train: 1, test: 0, oot: 0 });
    expect(abt.s1!.split).toBe('train');
  });

  it('takes configured out-of-time months, and refuses one it does not hold, naming the setting and what is allowed', async () => {
    expect((await buildSellerActivationAbt(lake.engine, { ...SETTINGS, ootSnapshots: ['2017-09-01'] })).splits.oot).toBe(3);
    await expect(buildSellerActivationAbt(lake.engine, { ...SETTINGS, ootSnapshots: ['2018-01-01'] })).rejects.toThrow(
      /ootSnapshots \(models\.classifier, or models\.overrides\.seller-activation\): 2018-01-01 is not a labelled won month of abt_seller_activation; allowed: 2017-08-01, 2017-09-01/,
    );
  });

  it('scores the sellers signed up inside the window who have not sold yet', async () => {
    const scoring = await lake.rows(`select * from ${sellerActivationScoringRelation(lake.engine, SETTINGS)} s`, 'seller_id');
    expect(scoring.map((row) => row.seller_id)).toEqual(['sy']);
    expect(scoring[0]).toMatchObject({ lead_industry: '1', stock_level: null });
  });

  it('refuses a window no deal has passed, saying what decides it and what to do', async () => {
    await expect(buildSellerActivationAbt(lake.engine, { ...SETTINGS, labelWindowDays: 90 })).rejects.toThrow(
      /abt_seller_activation: no deal can be labelled: a deal is labelled once 90 days \(labelWindowDays \(models\.classifier, or models\.overrides\.seller-activation\)\) have passed inside the data, and of the 6 sellers signed up by a deal \(the first won in 2017-08\), the earliest has 49 days of data after it\. Load more months of orders, or shorten the window\./,
    );
  });
});
