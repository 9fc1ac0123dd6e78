/**
 * checkQuality on a lake built from fixtures with the real use-cases:
 * buildTrusted for the nine Olist tables, buildRefined for the business
 * tables, then the rules evaluated on DuckDB and stored as Parquet.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import type { Clock } from '../../../lambdas/ports/clock.ts';
import { checkQuality, type QualityCheck, type QualityThresholds } from '../../../lambdas/quality/check-quality.ts';
import { buildRefined } from '../../../lambdas/transform/build-refined.ts';
import { buildTrusted, type TrustedBuild } from '../../../lambdas/transform/build-trusted.ts';
import { CATALOG, datasetNamed, REFINED_DATASETS } from '../../support/catalog.ts';
import { FRESHNESS_MAX_AGE_HOURS } from '../../../pipelines/quality/rules.ts';
import { buildConsistentTables, CONSISTENT_TABLES, lakePerTest, type TestLake } from '../../pipelines/support/lake.ts';

/** Raw fixtures are ingested at midnight on 2026-01-01: freshness counts from the table's watermark. */
const INGESTED = Date.parse('2026-01-01T00:00:00Z');
const clockAt = (epochMs: number): Clock => ({ now: () => new Date(epochMs) });
const HOUR = 3_600_000;

let lake: TestLake;
lakePerTest((opened) => (lake = opened));

let consistent: { folder: string; builds: TrustedBuild[] } | undefined;
afterAll(() => consistent && rmSync(consistent.folder, { recursive: true, force: true }));

/** Builds trusted and refined; the consistent lake (no overrides) is built once and copied into each later test's lake (a build of every table costs seconds). */
async function buildLake(overrides: Readonly<Record<string, readonly string[]>> = {}): Promise<TrustedBuild[]> {
  const unchanged = Object.keys(overrides).length === 0;
  if (unchanged && consistent) {
    cpSync(consistent.folder, lake.root, { recursive: true });
    return consistent.builds;
  }
  const builds = await buildConsistentTables(lake, overrides);
  for (const dataset of REFINED_DATASETS) await buildRefined({ engine: lake.engine, store: lake.store }, dataset);
  if (unchanged) {
    const folder = mkdtempSync(join(tmpdir(), 'strata-consistent-'));
    cpSync(lake.root, folder, { recursive: true });
    consistent = { folder, builds };
  }
  return builds;
}

function check(trusted: readonly TrustedBuild[], options: { runId?: string; now?: number; thresholds?: QualityThresholds } = {}): Promise<QualityCheck> {
  return checkQuality(
    { engine: lake.engine, store: new FolderObjectStore(lake.root), clock: clockAt(options.now ?? INGESTED + HOUR) },
    { runId: options.runId ?? 'run-1', catalog: CATALOG, trusted, ...(options.thresholds ? { thresholds: options.thresholds } : {}) },
  );
}

const failures = (result: QualityCheck) => result.results.filter((entry) => !entry.passed);

describe('checkQuality', () => {
  it('passes every rule on consistent data', async () => {
    const builds = await buildLake();
    expect(builds.every((build) => build.status === 'built' && build.quarantined === 0)).toBe(true);
    const result = await check(builds);
    expect(failures(result)).toEqual([]);
    expect(result).toMatchObject({ runId: 'run-1', errors: 0, warnings: 0 });
    // Every table of the catalog, trusted and refined, is checked.
    expect(new Set(result.results.map((entry) => entry.table))).toEqual(
      new Set([...Object.keys(CONSISTENT_TABLES), ...REFINED_DATASETS.map((dataset) => dataset.name)]),
    );
    expect(result.results.filter((entry) => entry.rule.startsWith('row_count_reconciliation'))).toHaveLength(11);
  });

  it('keeps items whose seller trusted does not know out of trusted (parked), so referential integrity holds; too many parked fail the share rule', async () => {
    const builds = await buildLake({ order_items: [...CONSISTENT_TABLES.order_items!, 'o3,2,p2,s9,,7.50,0.50', 'o3,3,p2,s8,,7.50,0.50'] });
    expect(builds.find((build) => build.table === 'order_items')).toMatchObject({ rowsIn: 6, rowsOut: 4, quarantined: 2 });
    const result = await check(builds);
    expect(result.results.find((entry) => entry.rule === 'referential_integrity(seller_id -> sellers.seller_id)')).toMatchObject({ passed: true });
    expect(failures(result)).toEqual([
      { table: 'order_items', rule: 'quarantine_share(rejected / read <= quality.maxQuarantinedShare)', severity: 'error', passed: false, failingRows: 2 },
    ]);
    expect(failures(await check(builds, { thresholds: { maxQuarantinedShare: 0.05, maxQuarantinedShareByTable: { order_items: 0.5 } } }))).toEqual([]);
  });

  it('counts trusted rows whose parent is missing as a referential-integrity error (an invariant the merge keeps)', async () => {
    const builds = await buildLake();
    // Written behind the merge's back: an item of seller s9, which trusted does not know.
    await lake.engine.replace(
      { layer: 'trusted', prefix: 'order_items' },
      `select order_id, order_item_id, product_id, 's9' as seller_id, shipping_limit_date, price, freight_value, _ingested_at, _source_file, _record_number from ${lake.engine.relations.ref('trusted', 'order_items')}`,
    );
    const result = await check(builds);
    expect(failures(result)).toContainEqual({ table: 'order_items', rule: 'referential_integrity(seller_id -> sellers.seller_id)', severity: 'error', passed: false, failingRows: 4 });
  });

  it('warns, without an error, on a product category that has no translation', async () => {
    const builds = await buildLake({ products: [...CONSISTENT_TABLES.products!, 'p3,sem_traducao,10,10,1,1,1,1,1'] });
    const result = await check(builds);
    expect(failures(result)).toEqual([
      {
        table: 'products',
        rule: 'referential_integrity(product_category_name -> product_category_name_translation.product_category_name)',
        severity: 'warn',
        passed: false,
        failingRows: 1,
      },
    ]);
    expect(result).toMatchObject({ errors: 0, warnings: 1 });
  });

  it('fails reconciliation when the rows read from raw do not equal trusted + quarantined', async () => {
    const builds = await buildLake();
    const offByThree = builds.map((build) => (build.table === 'orders' ? { ...build, rowsIn: build.rowsIn + 3 } : build));
    const result = await check(offByThree);
    expect(failures(result)).toEqual([
      { table: 'orders', rule: 'row_count_reconciliation(raw = trusted + quarantined)', severity: 'error', passed: false, failingRows: 3 },
    ]);
  });

  it('reconciles a table with quarantined rows: they count on the quarantine side', async () => {
    const builds = await buildLake({ sellers: [...CONSISTENT_TABLES.sellers!, 's3,1,x,ZZ', ',2,y,SP', 's1,13000,campinas,SP'] });
    expect(builds.find((build) => build.table === 'sellers')).toMatchObject({ rowsIn: 5, rowsOut: 2, quarantined: 3 });
    const lenient = { maxQuarantinedShare: 0.05, maxQuarantinedShareByTable: { sellers: 0.6 } };
    expect(failures(await check(builds, { thresholds: lenient }))).toEqual([]);
    // 2 rejected of 5 read (the superseded s1 does not count) is more than the default 20%: a systemic problem, not a few bad rows.
    expect(failures(await check(builds))).toEqual([
      { table: 'sellers', rule: 'quarantine_share(rejected / read <= quality.maxQuarantinedShare)', severity: 'error', passed: false, failingRows: 2 },
    ]);
  });

  it('turns a failed build into a failing "build: <message>" error and skips the rules that would read that table', async () => {
    const builds = await buildLake();
    // As the handler records a build that threw.
    const failedSellers: TrustedBuild = { ...builds.find((build) => build.table === 'sellers')!, status: 'failed', error: 'Error: Athena query 42 failed: HIVE_BAD_DATA' };
    const result = await check(builds.map((build) => (build.table === 'sellers' ? failedSellers : build)));
    expect(failures(result)).toEqual([
      { table: 'sellers', rule: 'build: Error: Athena query 42 failed: HIVE_BAD_DATA', severity: 'error', passed: false, failingRows: 0 },
    ]);
    expect(result.results.filter((entry) => entry.table === 'sellers')).toHaveLength(1);
    expect(result.results.some((entry) => entry.rule.includes('-> sellers.'))).toBe(false);
    expect(result.errors).toBe(1);
  });

  it('stores the results as the run_id=<id> partition of dataquality results, replaced when the run is checked again', async () => {
    const builds = await buildLake({ order_items: [...CONSISTENT_TABLES.order_items!, 'o3,2,p2,s9,,7.50,0.50', 'o3,3,p2,s8,,7.50,0.50'] });
    const first = await check(builds, { runId: '2026-01-02T00-00-00Z' });
    const stored = () =>
      lake.rows(`select * from ${lake.engine.relations.ref('dataquality', 'results')} where run_id = '2026-01-02T00-00-00Z'`, 'table_name, rule');
    const rows = await stored();
    expect(rows).toHaveLength(first.results.length);
    expect(Object.keys(rows[0]!)).toEqual(['table_name', 'rule', 'severity', 'passed', 'failing_rows', 'run_id']);
    expect(rows.filter((row) => row.passed === 'false')).toEqual([
      {
        run_id: '2026-01-02T00-00-00Z',
        table_name: 'order_items',
        rule: 'quarantine_share(rejected / read <= quality.maxQuarantinedShare)',
        severity: 'error',
        passed: 'false',
        failing_rows: '2',
      },
    ]);
    await check(builds, { runId: '2026-01-02T00-00-00Z' });
    expect(await stored()).toHaveLength(first.results.length);
    await check(builds, { runId: 'other-run' });
    const runs = await lake.rows(`select distinct run_id from ${lake.engine.relations.ref('dataquality', 'results')}`, 'run_id');
    expect(runs.map((row) => row.run_id)).toEqual(['2026-01-02T00-00-00Z', 'other-run']);
  });

  it(`flags raw older than ${FRESHNESS_MAX_AGE_HOURS} h as stale, as a warning, on a pinned clock`, async () => {
    const builds = await buildLake();
    const fresh = await check(builds, { now: INGESTED + FRESHNESS_MAX_AGE_HOURS * HOUR });
    expect(failures(fresh)).toEqual([]);
    const stale = await check(builds, { now: INGESTED + FRESHNESS_MAX_AGE_HOURS * HOUR + 1000 });
    expect(failures(stale)).toHaveLength(11);
    expect(failures(stale).every((entry) => entry.rule === `freshness(raw within ${FRESHNESS_MAX_AGE_HOURS} h)` && entry.severity === 'warn')).toBe(true);
    expect(stale).toMatchObject({ errors: 0, warnings: 11 });
  });

  it('counts a table fresh again once a newer ingest date arrives', async () => {
    const builds = await buildLake();
    lake.writeRaw('orders', [CONSISTENT_TABLES.orders![0]!], { ingestDate: '2026-01-05', file: 'late.csv' });
    const orders = await lake.build('orders', { now: new Date('2026-01-05T06:00:00Z'), runId: 'run-2' });
    const result = await check(
      builds.map((build) => (build.table === 'orders' ? orders : build)),
      { now: Date.parse('2026-01-05T12:00:00Z'), runId: 'run-2' },
    );
    const freshness = result.results.filter((entry) => entry.rule.startsWith('freshness'));
    expect(freshness.filter((entry) => entry.passed).map((entry) => entry.table)).toEqual(['orders']);
  });
});
