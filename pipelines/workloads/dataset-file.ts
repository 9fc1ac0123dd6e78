/**
 * A dataset definition file: `workloads/<workload>/datasets/<table>.yaml`,
 * the YAML form of a DatasetDefinition (pipelines/datasets/dataset.ts). The
 * file name is the table name. Adding a table to a workload is adding one of
 * these and its SQL model (`sql/<layer>/<table>.sql`); nothing else is
 * edited.
 *
 * Two conveniences over the TypeScript shape, both resolved at load:
 * - `acceptedValues` (and an enum partition's `values`) may name a value set
 *   the workload's code declares (`values` in its workload.ts) instead of
 *   listing the values, so one list serves every table that uses it;
 * - `references: <table>.<column>` on a column declares a relationship: a
 *   row whose key has no parent waits in quarantine until the parent
 *   arrives (severity error, the default), or is only reported (warn).
 */
import { z } from 'zod';
import { ConfigError } from '../../config/config-error.ts';
import { parseYamlFile } from '../../config/yaml-file.ts';
import { COLUMN_TYPES, type ColumnDefinition, type DatasetDefinition, type PartitionDefinition } from '../datasets/dataset.ts';

/** Table and column names: snake_case. */
export const TABLE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const SNAKE_CASE = TABLE_NAME_PATTERN;
const name = (what: string) => z.string({ error: `must be a ${what} name in snake_case (a-z, 0-9, _)` }).regex(SNAKE_CASE, { error: `must be a ${what} name in snake_case (a-z, 0-9, _)` });
const text = (what: string) => z.string({ error: `must be text: ${what}` }).min(1, { error: `must not be empty: ${what}` });

/** A list of values, or the name of a value set of the workload. */
const values = z.union([z.array(z.string(), { error: 'must be a list of values' }).min(1), name('value set')], {
  error: 'must be a list of values, or the name of a value set the workload declares',
});

const reference = z.union(
  [
    z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, { error: 'must be <table>.<column>' }),
    z.strictObject({ table: name('table'), column: name('column'), severity: z.enum(['error', 'warn'], { error: 'must be one of: error, warn' }).default('error') }),
  ],
  { error: 'must be <table>.<column>, or { table, column, severity: error | warn }' },
);

const column = z.strictObject({
  name: name('column'),
  type: z.enum(COLUMN_TYPES, { error: `must be one of: ${COLUMN_TYPES.join(', ')}` }),
  description: text('what a value means'),
  required: z.boolean({ error: 'must be true or false' }).optional(),
  acceptedValues: values.optional(),
  range: z.strictObject({ min: z.number({ error: 'must be a number' }).optional(), max: z.number({ error: 'must be a number' }).optional() }).optional(),
  references: reference.optional(),
});

const yearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month yyyy-MM' });
const partition = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ column: name('column'), kind: z.literal('month'), derivedFrom: name('column'), firstMonth: yearMonth.optional() }),
    z.strictObject({ column: name('column'), kind: z.literal('date'), derivedFrom: name('column'), firstDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date yyyy-MM-dd' }) }),
    z.strictObject({ column: name('column'), kind: z.literal('enum'), derivedFrom: name('column'), values }),
  ],
  { error: 'kind must be one of: month, date, enum' },
);

const change = z.union([z.literal('direct'), z.strictObject({ via: name('table'), on: name('column') })], { error: "must be 'direct' or { via: <table>, on: <column> }" });

export const datasetFileSchema = z.strictObject({
  layer: z.enum(['trusted', 'refined'], { error: 'must be one of: trusted, refined' }).default('trusted'),
  description: text('what one row is'),
  sourceFile: z.string().min(1).optional(),
  encoding: z.enum(['utf-8', 'utf-16le', 'latin1'], { error: 'must be one of: utf-8, utf-16le, latin1' }).optional(),
  primaryKey: z.array(name('column'), { error: 'must be a list of columns' }).min(1, { error: 'must name at least one column' }),
  columns: z.array(column, { error: 'must be a list of columns' }).min(1, { error: 'must list at least one column' }),
  partition: partition.optional(),
  incremental: z.strictObject({ key: name('column'), changes: z.record(name('table'), change) }).optional(),
});

export type DatasetFile = z.infer<typeof datasetFileSchema>;

/** What a file may refer to that its workload's code declares. */
export interface DatasetFileContext {
  /** Value sets by name. */
  readonly values: Readonly<Record<string, readonly string[]>>;
  /** Month partitions without `firstMonth` start here. @default - each month partition states its firstMonth */
  readonly firstMonth?: string;
}

/** Parses and checks one dataset file; every problem is one line naming the file and the field. */
export function parseDatasetFile(yamlText: string, file: string, table: string, context: DatasetFileContext): DatasetDefinition {
  if (!SNAKE_CASE.test(table)) throw new ConfigError([`${file}: the file name is the table name, and "${table}" is not snake_case (a-z, 0-9, _)`]);
  const parsed = parseYamlFile(yamlText, file, datasetFileSchema, 'a YAML mapping with description, primaryKey and columns');
  const problems: string[] = [];
  const columnNames = parsed.columns.map((candidate) => candidate.name);
  const known = new Set(columnNames);
  const duplicated = columnNames.filter((candidate, index) => columnNames.indexOf(candidate) !== index);
  if (duplicated.length > 0) problems.push(`${file}: columns: ${[...new Set(duplicated)].join(', ')} listed twice`);
  const mustBeColumn = (field: string, value: string) => {
    if (!known.has(value)) problems.push(`${file}: ${field} = "${value}": not a column of ${table}; columns: ${columnNames.join(', ')}`);
  };
  parsed.primaryKey.forEach((key, index) => mustBeColumn(`primaryKey.${index}`, key));
  if (parsed.layer === 'trusted' && parsed.sourceFile === undefined) problems.push(`${file}: sourceFile: required for a trusted table (the file name its CSVs arrive as, e.g. ${table}.csv)`);
  if (parsed.layer === 'refined' && parsed.sourceFile !== undefined) problems.push(`${file}: sourceFile: a refined table is built by SQL, not loaded from a file; remove it or say layer: trusted`);
  if (parsed.layer === 'trusted' && parsed.incremental !== undefined) problems.push(`${file}: incremental: refined tables only (a trusted table always merges what arrived)`);
  const valueSet = (field: string, given: string | string[]): readonly string[] => {
    if (Array.isArray(given)) return given;
    const set = context.values[given];
    if (set === undefined) {
      const sets = Object.keys(context.values);
      problems.push(`${file}: ${field} = "${given}": no value set of that name; the workload declares: ${sets.length > 0 ? sets.join(', ') : 'none (list the values instead)'}`);
      return [];
    }
    return set;
  };
  const columns: ColumnDefinition[] = parsed.columns.map((given, index) => {
    const { acceptedValues, references, ...rest } = given;
    return {
      ...rest,
      ...(acceptedValues !== undefined ? { acceptedValues: valueSet(`columns.${index}.acceptedValues`, acceptedValues) } : {}),
      ...(references !== undefined ? { references: typeof references === 'string' ? { table: references.split('.')[0]!, column: references.split('.')[1]!, severity: 'error' as const } : references } : {}),
    };
  });
  let partitionDefinition: PartitionDefinition | undefined;
  if (parsed.partition) {
    mustBeColumn('partition.derivedFrom', parsed.partition.derivedFrom);
    if (known.has(parsed.partition.column)) problems.push(`${file}: partition.column = "${parsed.partition.column}": names a new column derived from ${parsed.partition.derivedFrom}, so it must not be one of the table's columns`);
    if (parsed.partition.kind === 'month') {
      const firstMonth = parsed.partition.firstMonth ?? context.firstMonth;
      if (firstMonth === undefined) problems.push(`${file}: partition.firstMonth: required (yyyy-MM, the first month that can hold data); the workload declares no default`);
      partitionDefinition = { ...parsed.partition, firstMonth: firstMonth ?? '' };
    } else if (parsed.partition.kind === 'enum') {
      partitionDefinition = { ...parsed.partition, values: valueSet('partition.values', parsed.partition.values) };
    } else {
      partitionDefinition = parsed.partition;
    }
  }
  if (parsed.incremental) mustBeColumn('incremental.key', parsed.incremental.key);
  if (problems.length > 0) throw new ConfigError(problems);
  const { partition: _partition, columns: _columns, ...header } = parsed;
  return { name: table, ...header, columns, ...(partitionDefinition ? { partition: partitionDefinition } : {}) };
}
