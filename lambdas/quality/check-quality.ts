import { DATASETS } from '../../pipelines/datasets/index.ts';
import { ruleName, rulesFor, type QualityRule, type Severity } from '../../pipelines/quality/rules.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import type { TrustedBuild } from '../transform/build-trusted.ts';

export interface QualityResult {
  readonly table: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly passed: boolean;
  readonly failingRows: number;
}

export interface QualityCheck {
  readonly runId: string;
  readonly results: readonly QualityResult[];
  /** Rules of severity error that failed: the flow stops when there are any. */
  readonly errors: number;
  readonly warnings: number;
}

/** A rule of severity error failed; the flow's Catch turns this into an alarm and a failed execution. */
export class QualityGateFailed extends Error {
  override readonly name = 'QualityGateFailed';
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

async function count(engine: QueryEngine, select: string): Promise<number> {
  const [row] = await engine.query<{ n: bigint | number | null }>(select);
  return Number(row?.n ?? 0);
}

async function failingRows(
  rule: QualityRule,
  deps: { engine: QueryEngine; store: ObjectStore; clock: Clock },
  builds: ReadonlyMap<string, TrustedBuild>,
  layerOf: (table: string) => string,
): Promise<number> {
  const { engine } = deps;
  const table = engine.relations.ref(layerOf(rule.table), rule.table);
  switch (rule.kind) {
    case 'not_null':
      return count(engine, `select count(*) as n from ${table} where ${rule.column} is null`);
    case 'accepted_values':
      return count(engine, `select count(*) as n from ${table} where ${rule.column} not in (${rule.values.map(literal).join(', ')})`);
    case 'range': {
      const outside = [
        ...(rule.min !== undefined ? [`${rule.column} < ${rule.min}`] : []),
        ...(rule.max !== undefined ? [`${rule.column} > ${rule.max}`] : []),
      ].join(' or ');
      return count(engine, `select count(*) as n from ${table} where ${outside}`);
    }
    case 'unique_key': {
      const key = rule.columns.join(', ');
      return count(engine, `select coalesce(sum(n - 1), 0) as n from (select count(*) as n from ${table} group by ${key} having count(*) > 1) repeated`);
    }
    case 'referential_integrity': {
      const parent = engine.relations.ref(layerOf(rule.parentTable), rule.parentTable);
      return count(
        engine,
        `select count(*) as n from ${table} child where child.${rule.column} is not null
           and not exists (select 1 from ${parent} p where p.${rule.parentColumn} = child.${rule.column})`,
      );
    }
    case 'row_count_reconciliation': {
      // Only rules of tables built in this run reach here (see checkQuality).
      const build = builds.get(rule.table)!;
      // Counted again from what is stored, not taken from the build's own figures.
      const trusted = await count(engine, `select count(*) as n from ${table}`);
      const quarantined = await count(engine, `select count(*) as n from ${engine.relations.ref('dataquality', `quarantine/${rule.table}`)}`);
      return Math.abs(build.rowsIn - trusted - quarantined);
    }
    case 'freshness': {
      const files = await deps.store.list('raw', `${rule.table}/`);
      const dates = files.map((file) => /ingest_date=(\d{4}-\d{2}-\d{2})/.exec(file.key)?.[1]).filter((date): date is string => date !== undefined);
      if (dates.length === 0) return 1;
      const newest = Date.parse(`${dates.sort().at(-1)}T23:59:59Z`);
      return deps.clock.now().getTime() - newest > rule.maxAgeHours * 3_600_000 ? 1 : 0;
    }
  }
}

/**
 * Evaluates every rule of every table (trusted and refined; the process flow
 * builds them all before this step), stores the results
 * under dataquality/results/run_id=<run>/ and reports them. Tables whose
 * build failed fail a `build` rule of severity error.
 */
export async function checkQuality(
  deps: { engine: QueryEngine; store: ObjectStore; clock: Clock },
  request: { runId: string; trusted: readonly TrustedBuild[] },
): Promise<QualityCheck> {
  const builds = new Map(request.trusted.map((build) => [build.table, build]));
  const layers = new Map(DATASETS.map((dataset) => [dataset.name, dataset.layer]));
  const layerOf = (table: string) => layers.get(table) ?? 'trusted';
  const failedTables = new Set(request.trusted.filter((build) => build.status === 'failed').map((build) => build.table));
  const results: QualityResult[] = [];
  for (const build of request.trusted.filter((candidate) => candidate.status === 'failed')) {
    results.push({ table: build.table, rule: `build: ${build.error}`, severity: 'error', passed: false, failingRows: 0 });
  }
  for (const dataset of DATASETS) {
    if (failedTables.has(dataset.name)) continue;
    for (const rule of rulesFor(dataset)) {
      if (rule.kind === 'referential_integrity' && failedTables.has(rule.parentTable)) continue;
      if (rule.kind === 'row_count_reconciliation' && !builds.has(rule.table)) continue;
      const failing = await failingRows(rule, deps, builds, layerOf);
      results.push({ table: rule.table, rule: ruleName(rule), severity: rule.severity, passed: failing === 0, failingRows: failing });
    }
  }
  const rows = results
    .map(
      (result) =>
        `(${literal(request.runId)}, ${literal(result.table)}, ${literal(result.rule)}, ${literal(result.severity)}, ${result.passed}, ${result.failingRows})`,
    )
    .join(',\n');
  await deps.engine.replace(
    { layer: 'dataquality', prefix: `results/run_id=${request.runId}` },
    `select * from (values ${rows}) as results(run_id, table_name, rule, severity, passed, failing_rows)`,
  );
  const failed = results.filter((result) => !result.passed);
  return {
    runId: request.runId,
    results,
    errors: failed.filter((result) => result.severity === 'error').length,
    warnings: failed.filter((result) => result.severity === 'warn').length,
  };
}
