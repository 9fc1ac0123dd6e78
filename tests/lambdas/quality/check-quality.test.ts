/**
 * checkQuality on a lake built from fixtures with the real use-cases:
 * buildTrusted for the nine Olist tables, buildRefined for the business
 * tables, then the rules evaluated on DuckDB and stored as Parquet.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import type { Clock } from '../../../lambdas/ports/clock.ts';
import { checkQuality, type QualityCheck } from '../../../lambdas/quality/check-quality.ts';
import { buildRefined } from '../../../lambdas/transform/build-refined.ts';
import { buildTrusted, type TrustedBuild } from '../../../lambdas/transform/build-trusted.ts';
import { datasetNamed, REFINED_DATASETS } from '../../../pipelines/datasets/index.ts';
import { FRESHNESS_MAX_AGE_HOURS } from '../../../pipelines/quality/rules.ts';
import { buildOlist, closeDatabase, CONSISTENT_OLIST, openLake, type TestLake } from '../../pipelines/support/lake.ts';

/** Raw fixtures arrive on 2026-01-01; the newest counts from the end of that day. */
const END_OF_INGEST_DAY = Date.parse('2026-01-01T23:59:59Z');
const clockAt = (epochMs: number): Clock => ({ now: () => new Date(epochMs) });
const HOUR = 3_600_000;

let lake: TestLake;
beforeEach(async () => {
  lake = await openLake();
});
afterEach(async () => {
  await lake.close();
});
afterAll(() => closeDatabase());

async function buildLake(overrides: Readonly<Record<string, readonly string[]>> = {}): Promise<TrustedBuild[]> {
  const builds = await buildOlist(lake, overrides);
  for (const dataset of REFINED_DATASETS) await buildRefined({ engine: lake.engine, store: lake.store }, dataset);
  return builds;
}

function check(trusted: readonly TrustedBuild[], options: { runId?: string; now?: number } = {}): Promise<QualityCheck> {
  return checkQuality(
    { engine: lake.engine, store: new FolderObjectStore(lake.root), clock: clockAt(options.now ?? END_OF_INGEST_DAY + HOUR) },
    { runId: options.runId ?? 'run-1', trusted },
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
      new Set([...Object.keys(CONSISTENT_OLIST), ...REFINED_DATASETS.map((dataset) => dataset.name)]),
    );
    expect(result.results.filter((entry) => entry.rule.startsWith('row_count_reconciliation'))).toHaveLength(9);
  });

  it('counts the items whose seller trusted does not know as a referential-integrity error', async () => {
    const builds = await buildLake({ order_items: [...CONSISTENT_OLIST.order_items!, 'o3,2,p2,s9,,7.50,0.50', 'o3,3,p2,s8,,7.50,0.50'] });
    const result = await check(builds);
    expect(failures(result)).toEqual([
      { table: 'order_items', rule: 'referential_integrity(seller_id -> sellers.seller_id)', severity: 'error', passed: false, failingRows: 2 },
    ]);
    expect(result.errors).toBe(1);
    expect(result.warnings).toBe(0);
  });

  it('warns, without an error, on a product category that has no translation', async () => {
    const builds = await buildLake({ products: [...CONSISTENT_OLIST.products!, 'p3,sem_traducao,10,10,1,1,1,1,1'] });
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
    const builds = await buildLake({ sellers: [...CONSISTENT_OLIST.sellers!, 's3,1,x,ZZ', ',2,y,SP', 's1,13000,campinas,SP'] });
    expect(builds.find((build) => build.table === 'sellers')).toMatchObject({ rowsIn: 5, rowsOut: 2, quarantined: 3 });
    expect(failures(await check(builds))).toEqual([]);
  });

  it('turns a failed build into a failing "build: <message>" error and skips the rules that would read that table', async () => {
    const builds = await buildLake();
    lake.writeRaw('sellers', ['s3,1,x,SP'], { ingestDate: '2026-01-02', file: 'broken.csv', header: 'seller_id,seller_city,seller_state' });
    const failedSellers = await lake.build('sellers');
    expect(failedSellers.status).toBe('failed');
    const result = await check(builds.map((build) => (build.table === 'sellers' ? failedSellers : build)));
    expect(failures(result)).toEqual([
      { table: 'sellers', rule: `build: ${failedSellers.error}`, severity: 'error', passed: false, failingRows: 0 },
    ]);
    expect(failures(result)[0]!.rule).toMatch(/^build: raw\/sellers\/ingest_date=2026-01-02\/broken\.csv: missing column\(s\) seller_zip_code_prefix/);
    expect(result.results.filter((entry) => entry.table === 'sellers')).toHaveLength(1);
    expect(result.results.some((entry) => entry.rule.includes('-> sellers.'))).toBe(false);
    expect(result.errors).toBe(1);
  });

  it('stores the results as Parquet under dataquality/results/run_id=<id>/, replaced when the run is checked again', async () => {
    const builds = await buildLake({ order_items: [...CONSISTENT_OLIST.order_items!, 'o3,2,p2,s9,,7.50,0.50'] });
    const first = await check(builds, { runId: '2026-01-02T00-00-00Z' });
    const folder = join(lake.root, 'dataquality', 'results', 'run_id=2026-01-02T00-00-00Z');
    expect(readdirSync(folder).every((name) => name.endsWith('.parquet'))).toBe(true);
    const stored = () =>
      lake.rows(`select * from read_parquet('${folder}/*.parquet')`, 'table_name, rule');
    const rows = await stored();
    expect(rows).toHaveLength(first.results.length);
    expect(Object.keys(rows[0]!)).toEqual(['run_id', 'table_name', 'rule', 'severity', 'passed', 'failing_rows']);
    expect(rows.filter((row) => row.passed === 'false')).toEqual([
      {
        run_id: '2026-01-02T00-00-00Z',
        table_name: 'order_items',
        rule: 'referential_integrity(seller_id -> sellers.seller_id)',
        severity: 'error',
        passed: 'false',
        failing_rows: '1',
      },
    ]);
    await check(builds, { runId: '2026-01-02T00-00-00Z' });
    expect(await stored()).toHaveLength(first.results.length);
    await check(builds, { runId: 'other-run' });
    expect(existsSync(join(lake.root, 'dataquality', 'results', 'run_id=other-run'))).toBe(true);
  });

  it(`flags raw older than ${FRESHNESS_MAX_AGE_HOURS} h as stale, as a warning, on a pinned clock`, async () => {
    const builds = await buildLake();
    const fresh = await check(builds, { now: END_OF_INGEST_DAY + FRESHNESS_MAX_AGE_HOURS * HOUR });
    expect(failures(fresh)).toEqual([]);
    const stale = await check(builds, { now: END_OF_INGEST_DAY + FRESHNESS_MAX_AGE_HOURS * HOUR + 1000 });
    expect(failures(stale)).toHaveLength(9);
    expect(failures(stale).every((entry) => entry.rule === `freshness(raw within ${FRESHNESS_MAX_AGE_HOURS} h)` && entry.severity === 'warn')).toBe(true);
    expect(stale).toMatchObject({ errors: 0, warnings: 9 });
  });

  it('counts a table fresh again once a newer ingest date arrives', async () => {
    const builds = await buildLake();
    lake.writeRaw('orders', [], { ingestDate: '2026-01-05', file: 'late.csv' });
    const result = await check(builds, { now: Date.parse('2026-01-05T12:00:00Z') });
    const freshness = result.results.filter((entry) => entry.rule.startsWith('freshness'));
    expect(freshness.filter((entry) => entry.passed).map((entry) => entry.table)).toEqual(['orders']);
  });
});
