import { environmentSchema, type Environment } from '../../config/schema.ts';
import type { Catalog } from '../../pipelines/workloads/registry.ts';
import { LINEAGE, quarantineFolder } from '../../pipelines/contract/lake-layout.ts';
import { WHOLE_TABLE } from '../../pipelines/contract/table-pointer.ts';
import { ruleName, rulesFor, type QualityRule, type Severity } from '../../pipelines/quality/rules.ts';
import { TableStore } from '../lake/table-store.ts';
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

interface CheckDeps {
  readonly runId: string;
  readonly engine: QueryEngine;
  readonly store: ObjectStore;
  readonly clock: Clock;
}

/** `quality` of the environment; omitted: the schema's defaults. */
export type QualityThresholds = Pick<Environment['quality'], 'maxQuarantinedShare' | 'maxQuarantinedShareByTable'>;
const DEFAULT_THRESHOLDS: QualityThresholds = environmentSchema.shape.quality.parse(undefined);

/**
 * What a rule reads of a table: for a trusted table the partitions this run
 * rewrote (the rest was checked when it was written), for a refined table all
 * of it (rebuilt whole).
 */
function scopeOf(engine: QueryEngine, catalog: Catalog, table: string, layer: string, build: TrustedBuild | undefined): string {
  const relation = engine.relations.ref(layer, table);
  const dataset = catalog.datasets.find((candidate) => candidate.name === table);
  if (!build || !dataset?.partition) return relation;
  const written = build.partitionsWritten.filter((value) => value !== WHOLE_TABLE);
  return `(select * from ${relation} where ${dataset.partition.column} in (${written.map(literal).join(', ') || 'null'}))`;
}

/**
 * How a rule is measured: a condition counted over the table's rows this run
 * checks, a statement of its own (a scalar subquery), or a figure the build
 * already knows.
 */
type Measure =
  | { readonly kind: 'rows'; readonly condition: string }
  | { readonly kind: 'scalar'; readonly select: string; readonly finish?: (value: number) => number }
  | { readonly kind: 'known'; readonly value: () => Promise<number> | number };

function measureOf(rule: QualityRule, deps: CheckDeps, catalog: Catalog, builds: ReadonlyMap<string, TrustedBuild>, layerOf: (table: string) => string, thresholds: QualityThresholds): Measure {
  const { engine } = deps;
  const build = builds.get(rule.table);
  const table = scopeOf(engine, catalog, rule.table, layerOf(rule.table), build);
  switch (rule.kind) {
    case 'not_null':
      return { kind: 'rows', condition: `t.${rule.column} is null` };
    case 'accepted_values':
      return { kind: 'rows', condition: `t.${rule.column} not in (${rule.values.map(literal).join(', ')})` };
    case 'range': {
      const outside = [
        ...(rule.min !== undefined ? [`t.${rule.column} < ${rule.min}`] : []),
        ...(rule.max !== undefined ? [`t.${rule.column} > ${rule.max}`] : []),
      ].join(' or ');
      return { kind: 'rows', condition: outside };
    }
    case 'unique_key': {
      const key = rule.columns.join(', ');
      return { kind: 'scalar', select: `select coalesce(sum(n - 1), 0) from (select count(*) as n from ${table} t group by ${key} having count(*) > 1) repeated` };
    }
    case 'referential_integrity': {
      const parent = engine.relations.ref(layerOf(rule.parentTable), rule.parentTable);
      return {
        kind: 'scalar',
        select: `select count(*) from ${table} child where child.${rule.column} is not null
           and not exists (select 1 from ${parent} p where p.${rule.parentColumn} = child.${rule.column})`,
      };
    }
    case 'row_count_reconciliation': {
      // Only rules of tables built in this run reach here (see checkQuality). Counted again from what is
      // stored: the batch's records are in trusted or in quarantine, each exactly once.
      if (build!.batchSources.length === 0) return { kind: 'known', value: () => 0 };
      const sources = build!.batchSources.map(literal).join(', ');
      const quarantine = engine.relations.ref('dataquality', quarantineFolder(rule.table));
      return {
        kind: 'scalar',
        select: `select ${build!.rowsIn}
          - (select count(*) from ${table} t where ${LINEAGE.sourceFile} in (${sources}))
          - (select count(*) from ${quarantine} q where ${LINEAGE.sourceFile} in (${sources}))`,
        finish: Math.abs,
      };
    }
    case 'quarantine_share': {
      const limit = thresholds.maxQuarantinedShareByTable[rule.table] ?? thresholds.maxQuarantinedShare;
      const read = build!.rowsIn + build!.rowsReleased;
      // Superseded versions are the merge working, not bad data.
      return { kind: 'known', value: () => (read > 0 && build!.rejected / read > limit ? build!.rejected : 0) };
    }
    case 'freshness':
      return {
        kind: 'known',
        value: async () => {
          const pointer = await new TableStore(deps.store).read('trusted', rule.table);
          const newest = pointer?.watermark?.ingestedAt;
          if (!newest) return 1;
          return deps.clock.now().getTime() - Date.parse(newest) > rule.maxAgeHours * 3_600_000 ? 1 : 0;
        },
      };
  }
}

/**
 * The failing rows of a table's rules, measured by one statement: the row
 * conditions counted in one scan of what this run checks, the set rules
 * (unique key, references, reconciliation) as scalar subqueries beside it.
 * One query per table instead of one per rule: on Athena each query is a
 * round trip and a scan billed with its own 10 MB minimum.
 */
async function measureTable(engine: QueryEngine, scope: string, measures: readonly Measure[]): Promise<number[]> {
  const counted = measures.flatMap((measure, index) => (measure.kind === 'rows' ? [`count(case when ${measure.condition} then 1 end) as m${index}`] : []));
  const scalars = measures.flatMap((measure, index) => (measure.kind === 'scalar' ? [`(${measure.select}) as m${index}`] : []));
  const parts = [...(counted.length > 0 ? [`(select ${counted.join(', ')} from ${scope} t) measured_rows`] : []), ...(scalars.length > 0 ? [`(select ${scalars.join(', ')}) measured_sets`] : [])];
  const [row] = parts.length === 0 ? [{}] : await engine.query<Record<string, bigint | number | null>>(`select * from ${parts.join(' cross join ')}`);
  return Promise.all(
    measures.map(async (measure, index) => {
      if (measure.kind === 'known') return measure.value();
      const value = Number(row?.[`m${index}`] ?? 0);
      return measure.kind === 'scalar' && measure.finish ? measure.finish(value) : value;
    }),
  );
}

/**
 * Evaluates the rules over what this run wrote (trusted: the partitions each
 * build rewrote; refined: each table, rebuilt whole), stores the results
 * under dataquality/results/run_id=<run>/ and reports them. A table whose
 * build failed fails a `build` rule of severity error; one with nothing new
 * (skipped) is only checked for freshness.
 */
export async function checkQuality(
  deps: Omit<CheckDeps, 'runId'>,
  request: { runId: string; catalog: Catalog; trusted: readonly TrustedBuild[]; thresholds?: QualityThresholds },
): Promise<QualityCheck> {
  const context = { ...deps, runId: request.runId };
  const thresholds = request.thresholds ?? DEFAULT_THRESHOLDS;
  const builds = new Map(request.trusted.map((build) => [build.table, build]));
  const { catalog } = request;
  const layers = new Map(catalog.datasets.map((dataset) => [dataset.name, dataset.layer]));
  const layerOf = (table: string) => layers.get(table) ?? 'trusted';
  const failedTables = new Set(request.trusted.filter((build) => build.status === 'failed').map((build) => build.table));
  const skippedTables = new Set(request.trusted.filter((build) => build.status === 'skipped').map((build) => build.table));
  const results: QualityResult[] = [];
  for (const build of request.trusted.filter((candidate) => candidate.status === 'failed')) {
    results.push({ table: build.table, rule: `build: ${build.error}`, severity: 'error', passed: false, failingRows: 0 });
  }
  for (const dataset of catalog.datasets) {
    if (failedTables.has(dataset.name)) continue;
    const rules = rulesFor(catalog, dataset).filter((rule) => {
      if (skippedTables.has(dataset.name) && rule.kind !== 'freshness') return false;
      if (rule.kind === 'referential_integrity' && failedTables.has(rule.parentTable)) return false;
      return !((rule.kind === 'row_count_reconciliation' || rule.kind === 'quarantine_share') && !builds.has(rule.table));
    });
    const scope = scopeOf(deps.engine, catalog, dataset.name, layerOf(dataset.name), builds.get(dataset.name));
    const failing = await measureTable(deps.engine, scope, rules.map((rule) => measureOf(rule, context, catalog, builds, layerOf, thresholds)));
    rules.forEach((rule, index) => {
      results.push({ table: rule.table, rule: ruleName(rule), severity: rule.severity, passed: failing[index] === 0, failingRows: failing[index]! });
    });
  }
  const rows = results
    .map(
      (result) =>
        `(${literal(request.runId)}, ${literal(result.table)}, ${literal(result.rule)}, ${literal(result.severity)}, ${result.passed}, ${result.failingRows})`,
    )
    .join(',\n');
  await deps.engine.replace(
    { layer: 'dataquality', prefix: 'results', partitionBy: 'run_id', partitions: [request.runId] },
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
