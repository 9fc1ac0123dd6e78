import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUSTED_DATASETS as OLIST_DATASETS } from '../../support/catalog.ts';
import { captureStatements, type CapturedStep } from '../../support/captured-statements.ts';
import { athenaFindings, databricksFindings } from '../../support/sql-checks.ts';
import { closeDatabase, CONSISTENT_TABLES, openLake, type TestLake } from '../../pipelines/support/lake.ts';

let lake: TestLake;
let copies: string;
const captured: Record<'athena' | 'databricks', CapturedStep[]> = { athena: [], databricks: [] };

beforeAll(async () => {
  lake = await openLake();
  for (const dataset of OLIST_DATASETS) lake.writeRaw(dataset.name, CONSISTENT_TABLES[dataset.name] ?? []);
  copies = mkdtempSync(join(tmpdir(), 'strata-capture-'));
  for (const dialect of ['athena', 'databricks'] as const) {
    // Each engine commits its own (empty) versions: each gets its own copy of the staged lake.
    const root = join(copies, dialect);
    cpSync(lake.root, root, { recursive: true });
    captured[dialect] = await captureStatements(dialect, root);
  }
}, 120_000);
afterAll(async () => {
  await lake.close();
  closeDatabase();
  rmSync(copies, { recursive: true, force: true });
});

const findingsOf = { athena: athenaFindings, databricks: databricksFindings };

describe('the SQL the handlers send, captured by running the flows over recording Athena and Databricks clients', () => {
  for (const dialect of ['athena', 'databricks'] as const) {
    it(`runs every process step and the feature build to the end on ${dialect}, each sending statements`, () => {
      // find-new-data reads the lake's pointers and listings only: it sends no SQL by design (and must not wake a warehouse).
      const complete = captured[dialect].filter((step) => (step.flow === 'process' && step.handler !== 'find-new-data') || step.handler === 'build-features');
      expect(captured[dialect].filter((step) => step.handler === 'find-new-data').flatMap((step) => step.statements)).toEqual([]);
      expect(complete.length).toBeGreaterThan(OLIST_DATASETS.length);
      for (const step of complete) {
        expect(step.error, step.step).toBeUndefined();
        expect(step.statements.length, step.step).toBeGreaterThan(0);
      }
      // Writes went as far as their UNLOAD / INSERT OVERWRITE DIRECTORY.
      const writes = captured[dialect].flatMap((step) => step.statements).filter((sql) => /^(unload|insert overwrite directory)\b/.test(sql));
      expect(writes.length).toBeGreaterThan(OLIST_DATASETS.length);
    });

    it(`finds nothing wrong in any statement sent to ${dialect}: its grammar parses each, and none uses a construct it rejects`, () => {
      const statements = [...new Set(captured[dialect].flatMap((step) => step.statements))];
      expect(statements.length).toBeGreaterThan(100);
      const wrong = statements.map((sql) => ({ sql: sql.replace(/\s+/g, ' ').slice(0, 200), findings: findingsOf[dialect](sql) })).filter((each) => each.findings.length > 0);
      expect(wrong).toEqual([]);
    });
  }

  it('finds what each check is for: a grammar error, Hive DDL quoted like Trino, a Trino query quoted like Hive, varchar without a length on Spark', () => {
    expect(athenaFindings('select a from from t')[0]).toMatch(/^grammar: /);
    expect(athenaFindings("unload (select a from from t) to 's3://b/p/' with (format = 'PARQUET')")[0]).toMatch(/^grammar: /);
    expect(athenaFindings('drop table if exists "db"."t"')).toContain('a double-quoted identifier: Athena DDL is Hive DDL: identifiers are quoted with backticks');
    expect(athenaFindings('drop table if exists `db`.`t`')).toEqual([]);
    expect(athenaFindings('select `a` from "db"."t"')).toContain('a backtick-quoted identifier: Trino quotes identifiers with double quotes; backticks are a syntax error');
    expect(athenaFindings(`select 'it''s "quoted"' as a from "db"."t"`)).toEqual([]);
    expect(databricksFindings('select cast(null as varchar) as x')).toContain('varchar without a length: Spark SQL rejects VARCHAR without a length; the platform casts to string');
    expect(databricksFindings('select cast(null as varchar(10)) as x, * except (y) from t')).toEqual([]);
    expect(databricksFindings('select "a" from t')).toContain('a double-quoted identifier: Spark reads "x" as a string literal, not a column');
    expect(databricksFindings('select a from from t')[0]).toMatch(/^grammar: /);
  });

  it('stops the model steps where they need rows the recording clients do not give, and says where', () => {
    const stopped = captured.athena.filter((step) => step.error !== undefined);
    expect(stopped.length).toBeGreaterThan(0);
    for (const step of stopped) expect(step.flow, step.step).toBe('retrain');
  });
});
