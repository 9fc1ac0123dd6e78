/**
 * Test lakes for the feature store and the training sets: the vendored Olist
 * sample (tests/fixtures/olist-sample, about 8% of the real orders) loaded
 * into trusted the way the process flow does, and a tiny hand-made Olist
 * whose feature values are worked out by hand in the tests.
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { EnvironmentSecretStore } from '../../../../lambdas/adapters/local/environment-secret-store.ts';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { ObjectStoreTracker } from '../../../../lambdas/adapters/tracking/object-store-tracker.ts';
import type { HandlerPorts, HandlerSettings } from '../../../../lambdas/handlers/handler-ports.ts';
import { buildFeatures, type FeatureBuild } from '../../../../workloads/olist/ml/build-features.ts';
import { datasetNamed } from '../../../support/catalog.ts';
import { buildConsistentTables, DEFAULT_INGEST_DATE, openLake, type TestLake } from '../../../pipelines/support/lake.ts';

export const SAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'olist-sample');

/** The trusted tables the feature store and the ABT read. */
export const FEATURE_INPUT_TABLES = ['orders', 'order_items', 'order_payments', 'order_reviews', 'customers', 'products'] as const;

/** A sample file's text, decompressed. */
export function sampleCsv(table: string): string {
  return gunzipSync(readFileSync(join(SAMPLE, `${datasetNamed(table, 'trusted').sourceFile!}.gz`))).toString('utf8');
}

/** Loads the sample's raw files for the feature inputs into the lake and builds them in trusted. */
export async function loadSample(lake: TestLake): Promise<void> {
  for (const table of FEATURE_INPUT_TABLES) {
    const [header, ...lines] = sampleCsv(table).replace(/\n$/, '').split('\n');
    lake.writeRaw(table, lines, { ingestDate: DEFAULT_INGEST_DATE, file: 'sample.csv', header });
    await lake.build(table);
  }
}

export function storeOf(lake: TestLake): FolderObjectStore {
  return new FolderObjectStore(lake.root);
}

/** The ports `strata run` gives handlers, on this lake: its folder, sessions of its DuckDB, the lake's run store. */
export function handlerPortsOn(lake: TestLake, settings: HandlerSettings, now = new Date('2026-01-05T03:00:00Z')): HandlerPorts {
  const store = storeOf(lake);
  return {
    store,
    secrets: new EnvironmentSecretStore(),
    clock: { now: () => now },
    tracker: new ObjectStoreTracker(store),
    openEngine: () => lake.session(),
    settings,
  };
}

export function featuresOf(lake: TestLake, runId = 'run-1'): Promise<FeatureBuild> {
  return buildFeatures(lake.engine, storeOf(lake), { runId });
}

let sampleFeatureTemplate: Promise<string> | undefined;

/**
 * A new lake holding what `loadSample` and `featuresOf` build: the sample's feature inputs in trusted and the
 * feature tables. Built once per test worker (its files share one module cache) and copied for each caller,
 * since building costs seconds and tests change the lake they are given.
 */
export async function openSampleFeatureLake(): Promise<TestLake> {
  sampleFeatureTemplate ??= (async () => {
    const template = await openLake();
    await loadSample(template);
    await featuresOf(template);
    await template.engine.close();
    process.once('exit', () => rmSync(template.root, { recursive: true, force: true }));
    return template.root;
  })();
  return openLake({ copyOf: await sampleFeatureTemplate });
}

/**
 * A hand-made Olist around the snapshot 2018-01-01 (window 2017-07-01 to
 * 2017-12-31). Seller sA: o0 before the window (lifetime only); in it, o1
 * (2017-11-01, two sA items and one sB item, delivered a day late, paid by
 * credit card in 3 installments and a voucher, reviewed 4 and, after the
 * snapshot, 2), o2 (2017-12-20, canceled, boleto, reviewed 1 with no
 * answer date), o3 (2017-12-30, delivered after the snapshot, credit card),
 * o4 (2017-10-05, delivered 12 days early, debit card). sB sells only its
 * o1 item; sC only on 2017-03-01 (before the window); sD on 2017-07-01 (the
 * window's first day) and on 2018-01-01 (the snapshot itself, not in it).
 */
export const HAND_MADE_OLIST: Readonly<Record<string, readonly string[]>> = {
  customers: ['c1,u1,01001,sao paulo,SP', 'c2,u2,20000,rio de janeiro,RJ', 'c3,u1,01001,sao paulo,SP', 'c4,u4,30000,belo horizonte,MG', 'c5,u5,80000,curitiba,PR'],
  products: ['p1,cama_mesa_banho,40,300,2,500,10,10,10', 'p2,beleza_saude,35,120,4,200,20,10,10', 'p3,livros_tecnicos,30,100,,800,30,20,10'],
  sellers: ['sA,13000,campinas,SP', 'sB,80000,curitiba,PR', 'sC,01001,sao paulo,SP', 'sD,20000,rio de janeiro,RJ'],
  orders: [
    'o0,c1,delivered,2017-03-10 10:00:00,2017-03-10 11:00:00,2017-03-12 10:00:00,2017-03-15 10:00:00,2017-03-25 00:00:00',
    'o1,c1,delivered,2017-11-01 09:00:00,2017-11-01 10:00:00,2017-11-03 10:00:00,2017-11-11 15:00:00,2017-11-10 00:00:00',
    'o2,c2,canceled,2017-12-20 12:00:00,,,,2018-01-10 00:00:00',
    'o3,c3,delivered,2017-12-30 08:00:00,2017-12-30 09:00:00,2018-01-01 09:00:00,2018-01-03 10:00:00,2018-01-10 00:00:00',
    'o4,c4,delivered,2017-10-05 14:00:00,2017-10-06 08:00:00,2017-10-06 18:00:00,2017-10-08 12:00:00,2017-10-20 00:00:00',
    'o5,c5,delivered,2017-03-01 10:00:00,2017-03-01 11:00:00,,2017-03-09 10:00:00,2017-03-20 00:00:00',
    'o6,c5,shipped,2017-07-01 00:00:00,2017-07-01 01:00:00,,,2017-07-20 00:00:00',
    'o7,c5,processing,2018-01-01 00:00:00,,,,2018-01-20 00:00:00',
  ],
  order_items: [
    'o0,1,p1,sA,,100.00,10.00',
    'o1,1,p1,sA,,40.00,5.00',
    'o1,2,p2,sA,,20.00,3.00',
    'o1,3,p3,sB,,40.00,6.00',
    'o2,1,p2,sA,,60.00,10.00',
    'o3,1,p1,sA,,50.00,5.00',
    'o4,1,p3,sA,,30.00,4.00',
    'o5,1,p1,sC,,10.00,1.00',
    'o6,1,p2,sD,,15.00,1.00',
    'o7,1,p2,sD,,15.00,1.00',
  ],
  order_payments: [
    'o0,1,credit_card,10,110.00',
    'o1,1,credit_card,3,80.00',
    'o1,2,voucher,1,20.00',
    'o2,1,boleto,1,70.00',
    'o3,1,credit_card,1,55.00',
    'o4,1,debit_card,1,30.00',
  ],
  order_reviews: [
    'r0,o0,5,,,2017-03-16 00:00:00,2017-03-17 00:00:00',
    'r1,o1,4,,,2017-11-12 00:00:00,2017-11-13 10:00:00',
    'r1b,o1,2,,,2018-01-05 00:00:00,2018-01-06 00:00:00',
    'r2,o2,1,,,2017-12-28 00:00:00,',
  ],
};

/** Builds trusted from the hand-made Olist (overrides replace a table's lines). */
export async function buildHandMadeOlist(lake: TestLake, overrides: Readonly<Record<string, readonly string[]>> = {}): Promise<void> {
  await buildConsistentTables(lake, { geolocation: [], product_category_name_translation: [], ...HAND_MADE_OLIST, ...overrides });
}

/** Olist's training-set step, by model name, as the retrain flow's handler calls it. */
export { buildTrainingSet } from '../../../../workloads/olist/ml/build-training-set.ts';
/** The Olist feature store's tables and features, for the platform's ML tests that run on it. */
export { ACTIVE_DAYS, FEATURE_DATASETS, SNAPSHOT_FEATURES } from '../../../../workloads/olist/features.ts';
