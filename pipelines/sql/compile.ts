/**
 * Turns a dataset definition and its model into the statements a layer build
 * runs: the checks that decide which raw rows are bad (and why), the trusted
 * rows, the quarantined rows. The checks come from the dataset definition, so
 * the rules a row must meet are written once, beside the columns they guard.
 */
import type { ColumnDefinition, DatasetDefinition, IncrementalDefinition } from '../datasets/index.ts';
import { MACROS, type Dialect } from './dialect.ts';
import { LINEAGE, LINEAGE_COLUMNS, receivedKey, sourceFileOf, STAGED_REJECT_COLUMNS } from '../contract/lake-layout.ts';
import { watermarkEve, type Watermark } from '../contract/table-pointer.ts';
import { castAs, SQL_TYPES } from '../contract/sql-types.ts';
import { RAW_PREFIX } from './render.ts';

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The column a partition is stored under and how it derives from the row. */
export function partitionExpression(dataset: DatasetDefinition, dialect: Dialect, alias = ''): string | undefined {
  const partition = dataset.partition;
  if (!partition) return undefined;
  const source = `${alias}${partition.derivedFrom}`;
  return partition.kind === 'month' ? MACROS.month_of!(dialect, source) : source;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  bigint: 'an integer',
  double: 'a number',
  'decimal(12,2)': 'a decimal number',
  timestamp: 'a timestamp (yyyy-MM-dd HH:mm:ss)',
  date: 'a date (yyyy-MM-dd)',
  boolean: 'true or false',
};

/** One `case` per rule of a column; each yields the rule's text when the row breaks it. */
function columnChecks(column: ColumnDefinition, dataset: DatasetDefinition): string[] {
  const raw = `t.${RAW_PREFIX}${column.name}`;
  const typed = `t.${column.name}`;
  const blank = `nullif(trim(${raw}), '') is null`;
  const checks: string[] = [];
  const needed = column.required ?? false;
  const partitionSource = dataset.partition?.derivedFrom === column.name;
  if (needed || partitionSource) {
    const why = needed ? 'required' : `needed for partition ${dataset.partition!.column}`;
    checks.push(`case when ${blank} then ${quote(`${column.name}: ${why}, but empty`)} end`);
  }
  if (column.type !== 'string') {
    checks.push(`case when not (${blank}) and ${typed} is null then ${quote(`${column.name}: not ${TYPE_NAMES[column.type]}`)} end`);
  }
  if (column.acceptedValues) {
    checks.push(
      `case when ${typed} is not null and ${typed} not in (${column.acceptedValues.map(quote).join(', ')}) then ${quote(`${column.name}: not an accepted value`)} end`,
    );
  }
  if (column.range?.min !== undefined) {
    checks.push(`case when ${typed} < ${column.range.min} then ${quote(`${column.name}: below the minimum ${column.range.min}`)} end`);
  }
  if (column.range?.max !== undefined) {
    checks.push(`case when ${typed} > ${column.range.max} then ${quote(`${column.name}: above the maximum ${column.range.max}`)} end`);
  }
  return checks;
}

/** Why a record is in quarantine. */
export const REASON_KINDS = ['rule', 'unparseable', 'superseded', 'cascade'] as const;
export type ReasonKind = (typeof REASON_KINDS)[number];

/** Partition column of quarantine tables: the day a record was quarantined, or PARKED for cascade rows waiting for their parent. */
export const QUARANTINE_PARTITION = 'quarantine_date';
/** Records quarantined only because their parent is not in trusted: re-checked every run, released when the parent arrives. */
export const PARKED = 'parked';

/** A relationship whose child rows are quarantined while their parent key is not in trusted. */
export interface CascadeParent {
  readonly column: string;
  readonly parentTable: string;
  readonly parentColumn: string;
}

/** Columns of a quarantine table (before its partition column). */
export function quarantineColumns(dataset: DatasetDefinition): { name: string; type: string }[] {
  return [
    ...dataset.columns.map((column) => ({ name: column.name, type: 'string' })),
    { name: 'reason', type: 'string' },
    { name: 'reason_kind', type: 'string' },
    { name: STAGED_REJECT_COLUMNS.record, type: 'string' },
    { name: STAGED_REJECT_COLUMNS.recordBase64, type: 'string' },
    { name: STAGED_REJECT_COLUMNS.recordFile, type: 'string' },
    { name: LINEAGE.ingestedAt, type: 'string' },
    { name: LINEAGE.sourceFile, type: 'string' },
    { name: LINEAGE.recordNumber, type: 'bigint' },
    { name: 'quarantined_run', type: 'string' },
  ];
}

/** Columns of a trusted table's files: the dataset's, then the lineage (the partition column is in folder names). */
export function trustedColumns(dataset: DatasetDefinition): { name: string; type: string }[] {
  return [
    ...dataset.columns.map((column) => ({ name: column.name, type: column.type })),
    { name: LINEAGE.ingestedAt, type: 'string' },
    { name: LINEAGE.sourceFile, type: 'string' },
    { name: LINEAGE.recordNumber, type: 'bigint' },
  ];
}

/** Columns of a staged file: every dataset column as text, then the lineage. */
export function stagedColumns(dataset: DatasetDefinition): { name: string; type: string }[] {
  return [...dataset.columns.map((column) => ({ name: column.name, type: 'string' })), ...LINEAGE_COLUMNS.map((name) => ({ name, type: name === LINEAGE.recordNumber ? 'bigint' : 'string' }))];
}

/** Columns of a staged-rejects file. */
export const STAGED_REJECTS_COLUMNS = [
  ...Object.values(STAGED_REJECT_COLUMNS).map((name) => ({ name, type: 'string' })),
  ...LINEAGE_COLUMNS.map((name) => ({ name, type: name === LINEAGE.recordNumber ? 'bigint' : 'string' })),
];

/** Latest first: by ingest time, then source file, then record number (decided once, the same on every engine). */
const LATEST_FIRST = `${LINEAGE.ingestedAt} desc, ${LINEAGE.sourceFile} desc, ${LINEAGE.recordNumber} desc`;

/**
 * Every candidate record once, typed, with `_failed` (the rules it breaks, or
 * null) and `_cascade` (its missing parent, or null).
 * @param modelSql the rendered trusted model over the candidates: typed columns, then `lineage()`
 * @param parents relation per cascade parent: its trusted table
 */
export function compileChecked(dataset: DatasetDefinition, modelSql: string, dialect: Dialect, parents: readonly (CascadeParent & { relation: string })[]): string {
  const checks = dataset.columns.flatMap((column) => columnChecks(column, dataset));
  const partition = partitionExpression(dataset, dialect, 't.');
  const joins = parents.map((parent, index) => `left join (select distinct ${parent.parentColumn} as parent_key from ${parent.relation}) p${index} on t.${parent.column} = p${index}.parent_key`);
  const missing = parents.map(
    (parent, index) =>
      `case when t.${parent.column} is not null and p${index}.parent_key is null then concat(${quote(`${parent.column}: parent ${parent.parentTable}.${parent.parentColumn} = `)}, t.${parent.column}, ${quote(' is not in trusted (quarantined, or not received yet)')}) end`,
  );
  return `with typed as (
${modelSql}
)
select
  ${dataset.columns.map((column) => `t.${column.name}`).join(',\n  ')},${partition ? `\n  ${castAs(dialect, partition, 'string')} as ${dataset.partition!.column},` : ''}
  ${dataset.columns.map((column) => `t.${RAW_PREFIX}${column.name}`).join(',\n  ')},
  ${LINEAGE_COLUMNS.map((name) => `t.${name}`).join(', ')},
  nullif(concat_ws('; ',
    ${checks.length > 0 ? checks.join(',\n    ') : castAs(dialect, 'null', 'string')}
  ), '') as _failed,
  ${missing.length > 0 ? `nullif(concat_ws('; ', ${missing.join(', ')}), '')` : castAs(dialect, 'null', 'string')} as _cascade
from typed t
${joins.join('\n')}`;
}

/**
 * Valid candidates ranked against each other and against the trusted rows of
 * their keys: `_rank` 1 is the row trusted keeps for the key, latest first.
 * `_existing` marks rows already in trusted, of which only the key, the
 * partition and the lineage are read (a key column scan, not the table).
 * @param existing the trusted table
 */
export function compileRanked(dataset: DatasetDefinition, dialect: Dialect, checked: string, existing: string | undefined): string {
  const key = dataset.primaryKey;
  const partition = dataset.partition ? [dataset.partition.column] : [];
  const columns = [...dataset.columns.map((column) => column.name), ...partition, ...LINEAGE_COLUMNS];
  const candidates = `select ${columns.join(', ')}, 0 as _existing from ${checked} where _failed is null and _cascade is null`;
  const read = new Set([...key, ...partition, ...LINEAGE_COLUMNS]);
  const typeOf = (name: string) => dataset.columns.find((column) => column.name === name)?.type ?? 'string';
  const current = existing
    ? `\n  union all\n  select ${columns.map((column) => (read.has(column) ? `e.${column}` : `${castAs(dialect, 'null', typeOf(column))} as ${column}`)).join(', ')}, 1 as _existing from ${existing} e
  where exists (select 1 from ${checked} c where c._failed is null and c._cascade is null and ${key.map((column) => `c.${column} = e.${column}`).join(' and ')})`
    : '';
  return `select *, row_number() over (partition by ${key.join(', ')} order by ${LATEST_FIRST}) as _rank
from (
  ${candidates}${current}
) candidates`;
}

/**
 * The new content of the partitions a merge touches: trusted rows kept (not
 * replaced), then the candidates that won their key.
 */
export function compileMergedPartitions(dataset: DatasetDefinition, ranked: string, existing: string | undefined, touched: readonly string[]): string {
  const columns = [...dataset.columns.map((column) => column.name), ...LINEAGE_COLUMNS, ...(dataset.partition ? [dataset.partition.column] : [])];
  const winners = `select ${columns.join(', ')} from ${ranked} where _rank = 1 and _existing = 0`;
  if (!existing) return winners;
  const key = dataset.primaryKey;
  const inTouched = dataset.partition ? `e.${dataset.partition.column} in (${touched.map(quote).join(', ') || 'null'})` : '1 = 1';
  return `select ${columns.map((column) => `e.${column}`).join(', ')} from ${existing} e
where ${inTouched}
  and not exists (select 1 from ${ranked} r where r._rank = 1 and r._existing = 0 and ${key.map((column) => `r.${column} = e.${column}`).join(' and ')})
union all
${winners}`;
}

/**
 * Partition values a merge touches: of the winners and of the trusted rows
 * they replace. A trusted row is ranked with the candidates of its key only,
 * so it is replaced exactly when it lost its key (`_rank > 1`).
 */
export function compileTouchedPartitions(dataset: DatasetDefinition, ranked: string): string | undefined {
  if (!dataset.partition) return undefined;
  const column = dataset.partition.column;
  return `select distinct ${column} as value from ${ranked} r
where (r._rank = 1 and r._existing = 0) or (r._existing = 1 and r._rank > 1)`;
}

/**
 * This run's quarantine rows, every candidate that does not end in trusted:
 * rule failures, cascades (parked), superseded candidates, trusted rows a
 * later candidate replaced (their record read back from staged), and the
 * records the parser rejected.
 */
export function compileQuarantine(
  dataset: DatasetDefinition,
  dialect: Dialect,
  relations: { checked: string; ranked: string; replacedRecords: string; rejects: string },
  run: { runId: string; date: string },
): string {
  const fields = (alias: string) => dataset.columns.map((column) => `${alias}.${RAW_PREFIX}${column.name} as ${column.name}`).join(', ');
  const stagedFields = (alias: string) => dataset.columns.map((column) => `${alias}.${column.name}`).join(', ');
  const nullText = castAs(dialect, 'null', 'string');
  const tail = (alias: string, partition: string) =>
    `${nullText} as ${STAGED_REJECT_COLUMNS.record}, ${nullText} as ${STAGED_REJECT_COLUMNS.recordBase64}, ${nullText} as ${STAGED_REJECT_COLUMNS.recordFile}, ${LINEAGE_COLUMNS.map((name) => `${alias}.${name}`).join(', ')}, ${quote(run.runId)} as quarantined_run, ${partition} as ${QUARANTINE_PARTITION}`;
  const key = dataset.primaryKey;
  const keyText = key.join(', ');
  const today = quote(run.date);
  const superseded = `concat(${quote(`duplicate key (${keyText}): superseded by the later record `)}, w.${LINEAGE.sourceFile}, ' #', ${castAs(dialect, `w.${LINEAGE.recordNumber}`, 'string')})`;
  return `select ${fields('c')}, c._failed as reason, 'rule' as reason_kind, ${tail('c', today)} from ${relations.checked} c where c._failed is not null
union all
select ${fields('c')}, c._cascade as reason, 'cascade' as reason_kind, ${tail('c', quote(PARKED))} from ${relations.checked} c where c._failed is null and c._cascade is not null
union all
select ${fields('c')}, ${superseded} as reason, 'superseded' as reason_kind, ${tail('c', today)}
from ${relations.checked} c
join ${relations.ranked} r on ${[...key, ...LINEAGE_COLUMNS].map((column) => `r.${column} = c.${column}`).join(' and ')} and r._existing = 0 and r._rank > 1
join ${relations.ranked} w on ${key.map((column) => `w.${column} = r.${column}`).join(' and ')} and w._rank = 1
union all
select ${stagedFields('s')}, ${superseded} as reason, 'superseded' as reason_kind, ${tail('s', today)}
from ${relations.replacedRecords} s
join ${relations.ranked} r on r._existing = 1 and r._rank > 1 and r.${LINEAGE.sourceFile} = s.${LINEAGE.sourceFile} and r.${LINEAGE.recordNumber} = s.${LINEAGE.recordNumber}
join ${relations.ranked} w on ${key.map((column) => `w.${column} = r.${column}`).join(' and ')} and w._rank = 1
union all
select ${dataset.columns.map((column) => `${nullText} as ${column.name}`).join(', ')}, x.${STAGED_REJECT_COLUMNS.reason} as reason, 'unparseable' as reason_kind,
  x.${STAGED_REJECT_COLUMNS.record}, x.${STAGED_REJECT_COLUMNS.recordBase64}, x.${STAGED_REJECT_COLUMNS.recordFile}, ${LINEAGE_COLUMNS.map((name) => `x.${name}`).join(', ')}, ${quote(run.runId)} as quarantined_run, ${today} as ${QUARANTINE_PARTITION}
from ${relations.rejects} x`;
}

/** The lineage of trusted rows a later candidate replaced: which staged records to read back for the quarantine. */
export function compileReplaced(ranked: string): string {
  return `select ${LINEAGE.sourceFile}, ${LINEAGE.recordNumber} from ${ranked} where _existing = 1 and _rank > 1`;
}

/** A refined model's rows in the declared column types, with the partition column last. */
export function refinedSelect(dataset: DatasetDefinition, modelSql: string, dialect: Dialect): string {
  const partition = partitionExpression(dataset, dialect, 'm.');
  const columns = dataset.columns.map((column) => `cast(m.${column.name} as ${SQL_TYPES[dialect][column.type]}) as ${column.name}`);
  if (partition) columns.push(`${partition} as ${dataset.partition!.column}`);
  return `select\n  ${columns.join(',\n  ')}\nfrom (\n${modelSql}\n) m`;
}

/**
 * Rows of a trusted table merged into it after `watermark`: from the files of
 * the watermark's eve onwards, those it had not merged (see watermarkEve).
 * Without a watermark, every row.
 */
export function mergedAfter(table: string, alias: string, watermark: Watermark | undefined): string {
  if (!watermark) return '1 = 1';
  const since = `${alias}.${LINEAGE.sourceFile} >= ${quote(`raw/${receivedKey(table, watermarkEve(watermark), '')}`)}`;
  const merged = watermark.recentFiles.map((key) => quote(sourceFileOf(key)));
  return merged.length === 0 ? since : `${since} and ${alias}.${LINEAGE.sourceFile} not in (${merged.join(', ')})`;
}

/** Column of compileChangedKeys' rows. */
export const CHANGED_KEY = 'changed_key';

/**
 * The keys of an incremental refined table that rows merged into its inputs
 * since the last build name: a direct input's own key column, another
 * input's through the direct input it joins.
 * @param relation each input's committed relation
 * @param consumed each input's watermark when the table was last built
 */
export function compileChangedKeys(
  incremental: IncrementalDefinition,
  relation: (table: string) => string,
  consumed: (table: string) => Watermark | undefined,
): string {
  const key = incremental.key;
  const parts = Object.entries(incremental.changes).map(([table, change]) =>
    change === 'direct'
      ? `select c.${key} as ${CHANGED_KEY} from ${relation(table)} c where ${mergedAfter(table, 'c', consumed(table))}`
      : `select v.${key} as ${CHANGED_KEY} from ${relation(change.via)} v join ${relation(table)} c on v.${change.on} = c.${change.on} where ${mergedAfter(table, 'c', consumed(table))}`,
  );
  return `select distinct ${CHANGED_KEY} from (
  ${parts.join('\n  union all\n  ')}
) changes where ${CHANGED_KEY} is not null`;
}

/** Partitions an incremental refined build rewrites: those of the rebuilt keys' rows, before and after. */
export function compileRefinedTouched(dataset: DatasetDefinition, existing: string, fresh: string, changed: string): string {
  const column = dataset.partition!.column;
  const key = dataset.incremental!.key;
  return `select distinct value from (
  select e.${column} as value from ${existing} e where exists (select 1 from ${changed} c where c.${CHANGED_KEY} = e.${key})
  union all
  select f.${column} as value from ${fresh} f
) touched`;
}

/** The new content of the partitions an incremental refined build touches: the rows of the other keys, then the rebuilt keys' rows. */
export function compileRefinedMerge(dataset: DatasetDefinition, existing: string, fresh: string, changed: string, touched: readonly string[]): string {
  const columns = [...dataset.columns.map((column) => column.name), dataset.partition!.column];
  const key = dataset.incremental!.key;
  return `select ${columns.map((column) => `e.${column}`).join(', ')} from ${existing} e
where e.${dataset.partition!.column} in (${touched.map(quote).join(', ') || 'null'})
  and not exists (select 1 from ${changed} c where c.${CHANGED_KEY} = e.${key})
union all
select ${columns.map((column) => `f.${column}`).join(', ')} from ${fresh} f`;
}
