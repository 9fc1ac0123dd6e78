/**
 * Turns a dataset definition and its model into the statements a layer build
 * runs: the checks that decide which raw rows are bad (and why), the trusted
 * rows, the quarantined rows. The checks come from the dataset definition, so
 * the rules a row must meet are written once, beside the columns they guard.
 */
import type { ColumnDefinition, DatasetDefinition } from '../datasets/index.ts';
import { MACROS, type Dialect } from './dialect.ts';
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

/**
 * Every raw row once, typed, with `_reason` null for a good row and the
 * failed rules otherwise; a good row whose key a later row repeats is
 * quarantined as superseded.
 * @param modelSql the rendered trusted model: typed columns, then its lineage (`_row_id` in ingest order, `_source_file`, the raw fields)
 */
export function compileTrustedChecks(dataset: DatasetDefinition, modelSql: string, dialect: Dialect): string {
  const checks = dataset.columns.flatMap((column) => columnChecks(column, dataset));
  const partition = partitionExpression(dataset, dialect, 't.');
  const key = dataset.primaryKey.join(', ');
  const keyText = dataset.primaryKey.join(', ');
  return `with typed as (
${modelSql}
),
checked as (
  select
    ${dataset.columns.map((column) => `t.${column.name}`).join(',\n    ')},${partition ? `\n    ${partition} as ${dataset.partition!.column},` : ''}
    ${dataset.columns.map((column) => `t.${RAW_PREFIX}${column.name}`).join(',\n    ')},
    t._source_file,
    t._row_id,
    nullif(concat_ws('; ',
      ${checks.join(',\n      ')}
    ), '') as _failed
  from typed t
),
ranked as (
  select *, row_number() over (partition by ${key}, _failed order by _row_id desc) as _key_rank
  from checked
)
select
  *,
  coalesce(_failed, case when _key_rank > 1 then ${quote(`duplicate key (${keyText}): superseded by a later row`)} end) as _reason
from ranked`;
}

/** The trusted rows: good and latest per key, with the partition column last. */
export function trustedSelect(dataset: DatasetDefinition, checked: string): string {
  const columns = dataset.columns.map((column) => column.name);
  if (dataset.partition) columns.push(dataset.partition.column);
  return `select ${columns.join(', ')} from ${checked} where _reason is null`;
}

/** The quarantined rows: the original fields as they arrived, why, and from which file. */
export function quarantineSelect(dataset: DatasetDefinition, checked: string): string {
  return `select ${dataset.columns.map((column) => `${RAW_PREFIX}${column.name} as ${column.name}`).join(', ')}, _reason as reason, _source_file as source_file, cast(null as varchar) as raw_line
from ${checked} where _reason is not null`;
}

const SQL_TYPES: Record<Dialect, Record<string, string>> = {
  duckdb: { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', 'decimal(12,2)': 'decimal(12,2)', timestamp: 'timestamp', date: 'date', boolean: 'boolean' },
  trino: { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', 'decimal(12,2)': 'decimal(12,2)', timestamp: 'timestamp', date: 'date', boolean: 'boolean' },
  spark: { string: 'string', int: 'int', bigint: 'bigint', double: 'double', 'decimal(12,2)': 'decimal(12,2)', timestamp: 'timestamp', date: 'date', boolean: 'boolean' },
};

/** A refined model's rows in the declared column types, with the partition column last. */
export function refinedSelect(dataset: DatasetDefinition, modelSql: string, dialect: Dialect): string {
  const partition = partitionExpression(dataset, dialect, 'm.');
  const columns = dataset.columns.map((column) => `cast(m.${column.name} as ${SQL_TYPES[dialect][column.type]}) as ${column.name}`);
  if (partition) columns.push(`${partition} as ${dataset.partition!.column}`);
  return `select\n  ${columns.join(',\n  ')}\nfrom (\n${modelSql}\n) m`;
}
