/**
 * A lake in a temp folder, raw CSV fixtures written the way ingestion lays
 * them out, and a real DuckDB session over it. No mocks: the tests run the
 * same SQL the local runner runs.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbDatabase, type DuckDbQueryEngine } from '../../../lambdas/adapters/local/duckdb-query-engine.ts';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import { stageCsv } from '../../../lambdas/ingest/stage-csv.ts';
import { buildTrusted, type BuildTrustedRequest, type TrustedBuild } from '../../../lambdas/transform/build-trusted.ts';
import { LINEAGE_COLUMNS, receivedKey, stagedKeyOf, stagedRejectsKeyOf } from '../../../pipelines/contract/lake-layout.ts';
import { CATALOG, TRUSTED_DATASETS as OLIST_DATASETS, datasetNamed } from '../../support/catalog.ts';
import { cascadeParentsOf, trustedBuildLevels } from '../../../pipelines/quality/rules.ts';

export const DEFAULT_INGEST_DATE = '2026-01-01';

export interface TestLake {
  readonly root: string;
  readonly engine: DuckDbQueryEngine;
  /**
   * Writes `raw/<table>/ingest_date=<date>/<file>` (the dataset's header, then
   * the lines as given) and stages it as ingest does, with `_ingested_at` at
   * the given time (default: midnight of the ingest date).
   */
  writeRaw(table: string, lines: readonly string[], options?: { ingestDate?: string; file?: string; header?: string; ingestedAt?: string }): string;
  /** The lake as the handlers' object store. */
  readonly store: FolderObjectStore;
  /** buildTrusted of a table; without cascade parents unless given (`cascadeParentsOf(CATALOG, table)` is what the handler passes). */
  build(table: string, options?: Partial<BuildTrustedRequest>): Promise<TrustedBuild>;
  /** Rows of a select with every value as text (null stays null), in the order given. */
  rows(select: string, orderBy?: string): Promise<Record<string, string | null>[]>;
  /** Another session on the same database and lake, for code that opens and closes its own (handlers). */
  session(): Promise<DuckDbQueryEngine>;
  /** Rows of a layer table (`trusted`, `orders`), as text, ordered; trusted rows without their lineage columns unless asked. */
  table(layer: string, table: string, orderBy?: string, options?: { lineage?: boolean }): Promise<Record<string, string | null>[]>;
  close(): Promise<void>;
}

let database: DuckDbDatabase | undefined;

/** One in-memory DuckDB per test file; each lake gets its own session, on a new folder or a copy of `copyOf`. */
export async function openLake(options: { copyOf?: string } = {}): Promise<TestLake> {
  database ??= await DuckDbDatabase.open({ threads: 1, memoryLimit: '512MB' });
  const root = mkdtempSync(join(tmpdir(), 'strata-lake-'));
  if (options.copyOf) cpSync(options.copyOf, root, { recursive: true });
  const engine = await database.session(root);
  const store = new FolderObjectStore(root);
  const writeAt = (layer: 'raw', key: string, body: Uint8Array) => {
    const path = store.pathOf(layer, key);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
  };
  const rows = async (select: string, orderBy?: string) =>
    engine.query<Record<string, string | null>>(`select columns(*)::varchar from (${select}) q${orderBy ? ` order by ${orderBy}` : ''}`);
  return {
    root,
    engine,
    writeRaw(table, lines, options = {}) {
      const ingestDate = options.ingestDate ?? DEFAULT_INGEST_DATE;
      const dataset = datasetNamed(table, 'trusted');
      const key = receivedKey(table, ingestDate, options.file ?? 'x.csv');
      const header = options.header ?? dataset.columns.map((column) => column.name).join(',');
      const body = new TextEncoder().encode(`${[header, ...lines].join('\n')}\n`);
      const path = store.pathOf('raw', key);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, body);
      const staged = stageCsv(body, {
        receivedKey: key,
        columns: dataset.columns.map((column) => column.name),
        encoding: dataset.encoding,
        maxQuotedFieldKb: 10_240,
        ingestedAt: options.ingestedAt ?? `${ingestDate}T00:00:00.000Z`,
      });
      for (const side of staged.rejectedRecordFiles) writeAt('raw', side.key, side.body);
      writeAt('raw', stagedRejectsKeyOf(key), staged.rejects);
      writeAt('raw', stagedKeyOf(key), staged.staged);
      return path;
    },
    store,
    build: (table, options = {}) =>
      buildTrusted({ engine, store }, datasetNamed(table, 'trusted'), {
        runId: options.runId ?? 'run-1',
        now: options.now ?? new Date(`${DEFAULT_INGEST_DATE}T12:00:00Z`),
        cascadeParents: options.cascadeParents ?? [],
        fullRefresh: options.fullRefresh,
      }),
    rows,
    session: () => database!.session(root),
    table: (layer, table, orderBy, options = {}) =>
      rows(`select * ${layer === 'trusted' && !(options.lineage ?? false) ? `exclude (${LINEAGE_COLUMNS.join(', ')}) ` : ''}from ${engine.relations.ref(layer, table)}`, orderBy),
    async close() {
      await engine.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function closeDatabase(): void {
  database?.close();
  database = undefined;
}

/**
 * A fresh lake for each test of the calling file (or describe block), handed
 * to `use` before each test and closed after it; the shared database closes
 * after the last.
 */
export function lakePerTest(use: (lake: TestLake) => void): void {
  let current: TestLake | undefined;
  beforeEach(async () => {
    current = await openLake();
    use(current);
  });
  afterEach(async () => {
    await current?.close();
  });
  afterAll(() => closeDatabase());
}

/**
 * Small, consistent tables of the default workloads: one weather poll, and
 * an Olist where every foreign key resolves and nothing is bad (one closed
 * deal signed s1 up).
 * o1 (c1, delivered) has two items of s1, three payments (credit_card twice,
 * voucher) and two reviews (the later scores 2); o2 (c2, shipped) has one
 * item of s1 and one boleto payment; o3 (c1, canceled) has one item of s2,
 * no payment, no review.
 */
export const CONSISTENT_TABLES: Readonly<Record<string, readonly string[]>> = {
  weather_current: ['3663517,Manaus,1767225600,27.50,80,1010.0,2.00,40,,Clouds'],
  closed_deals: ['m1,s1,sdr1,sr1,2017-09-23 10:00:00,pet,online_big,eagle,true,true,200+,manufacturer,500,120000'],
  customers: ['c1,u1,01001,sao paulo,SP', 'c2,u2,20000,rio de janeiro,RJ'],
  products: ['p1,moveis,40,300,2,500,20,10,15', 'p2,beleza,35,120,1,200,10,5,5'],
  sellers: ['s1,13000,campinas,SP', 's2,80000,curitiba,PR'],
  orders: [
    'o1,c1,delivered,2017-10-02 10:56:33,2017-10-02 11:07:15,2017-10-04 19:55:00,2017-10-10 21:25:13,2017-10-18 00:00:00',
    'o2,c2,shipped,2017-10-02 15:00:00,2017-10-02 15:10:00,2017-10-03 10:00:00,,2017-10-20 00:00:00',
    'o3,c1,canceled,2017-10-03 09:00:00,,,,2017-10-25 00:00:00',
  ],
  order_items: [
    'o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72',
    'o1,2,p2,s1,2017-10-06 11:07:15,10.00,2.00',
    'o2,1,p1,s1,2017-10-05 15:00:00,50.00,5.00',
    'o3,1,p2,s2,2017-10-07 09:00:00,20.00,1.00',
  ],
  order_payments: ['o1,1,credit_card,1,30.00', 'o1,2,voucher,1,12.71', 'o1,3,credit_card,2,8.00', 'o2,1,boleto,1,55.00'],
  order_reviews: [
    'r1,o1,4,,bom,2017-10-11 00:00:00,2017-10-12 10:00:00',
    'r2,o1,2,atraso,"chegou\nquebrado",2017-10-13 00:00:00,2017-10-14 09:00:00',
    'r3,o2,5,,,2017-10-12 00:00:00,',
  ],
  geolocation: ['01001,-23.55,-46.63,sao paulo,SP', '13000,-22.9,-47.06,campinas,SP'],
  product_category_name_translation: ['moveis,furniture', 'beleza,beauty'],
};

/** Writes raw fixtures for every table of the default workloads (overrides replace a table's lines) and builds trusted. */
export async function buildConsistentTables(
  lake: TestLake,
  overrides: Readonly<Record<string, readonly string[]>> = {},
  options: { ingestDate?: string } = {},
): Promise<TrustedBuild[]> {
  const builds: TrustedBuild[] = [];
  for (const dataset of OLIST_DATASETS) {
    lake.writeRaw(dataset.name, overrides[dataset.name] ?? CONSISTENT_TABLES[dataset.name] ?? [], { ingestDate: options.ingestDate });
  }
  // Parents first, as the process flow orders its builds.
  for (const level of trustedBuildLevels(CATALOG)) {
    for (const table of level) {
      builds.push(await lake.build(table, { cascadeParents: cascadeParentsOf(CATALOG, table), ...(options.ingestDate ? { now: new Date(`${options.ingestDate}T12:00:00Z`) } : {}) }));
    }
  }
  return builds;
}
