/**
 * `strata abt export`: the churn ABT of a local lake as CSV, run as a user
 * would, in a child process.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingSet } from '../../lambdas/ml/build-training-set.ts';
import { SNAPSHOT_FEATURES } from '../../pipelines/datasets/features.ts';
import { featuresOf, loadSample } from '../pipelines/features/sample-lake.ts';
import { closeDatabase, openLake, type TestLake } from '../pipelines/support/lake.ts';
import { environmentNamed } from '../support/environments.ts';
import { runStrata } from '../support/run-cli.ts';

describe('strata abt export', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-abt-'));
  let lake: TestLake;
  let abtRows: number;
  beforeAll(async () => {
    lake = await openLake();
    await loadSample(lake);
    await featuresOf(lake);
    abtRows = (await buildTrainingSet(lake.engine, 'seller-churn', environmentNamed('dev').models)).rows;
    // The CLI opens its own DuckDB on the lake folder.
    await lake.engine.close();
    closeDatabase();
  }, 60_000);
  afterAll(() => {
    rmSync(lake.root, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('writes the header seller_id,dt_reference,churn,split,<features> and one line per ABT row, ordered', () => {
    const out = join(work, 'exports', 'abt.csv');
    const result = runStrata(['abt', 'export', '--lake', lake.root, '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(['seller_id', 'dt_reference', 'churn', 'split', ...SNAPSHOT_FEATURES.map((column) => column.name)].join(','));
    expect(lines).toHaveLength(abtRows + 1);
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows.every((fields) => fields.length === SNAPSHOT_FEATURES.length + 4)).toBe(true);
    expect(rows.every(([, date, churn, split]) => /^\d{4}-\d{2}-01$/.test(date!) && /^[01]$/.test(churn!) && ['train', 'test', 'oot'].includes(split!))).toBe(true);
    const keys = rows.map(([seller, date]) => `${date}/${seller}`);
    expect(keys).toEqual([...keys].sort());
    // A missing feature is an empty field: single-sale-day sellers have no gap between sale days.
    expect(rows.some((fields) => fields[4 + SNAPSHOT_FEATURES.findIndex((column) => column.name === 'avg_days_between_sales')] === '')).toBe(true);
    expect(result.stdout).toContain(`strata abt export: ${abtRows.toLocaleString('en-US')} rows × ${SNAPSHOT_FEATURES.length} features -> `);
    // Written aside and renamed: nothing else is left in the folder.
    expect(readdirSync(join(work, 'exports'))).toEqual(['abt.csv']);
  });

  it('says to run the flows first when the lake has no ABT yet', () => {
    const empty = join(work, 'empty-lake');
    const result = runStrata(['abt', 'export', '--lake', empty, '--out', join(work, 'none.csv')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no ABT in .*refined\/abt_churn yet; run `strata run --flows all` first/);
    expect(existsSync(join(work, 'none.csv'))).toBe(false);
  });

  it('is a usage error without --out, or without a known subcommand', () => {
    const noOut = runStrata(['abt', 'export', '--lake', lake.root]);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/strata abt: --out <file\.csv> is required/);
    expect(noOut.stderr).toContain('Usage: strata abt export --out <file.csv> [--lake <folder>]');
    const unknown = runStrata(['abt', 'import', '--out', 'x.csv']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subcommand "import"; subcommands: export/);
  });
});
