/**
 * The two files `strata new dataset` writes: the dataset definition
 * (`datasets/<table>.yaml`, in the flow style of the hand-written ones) and
 * the trusted SQL model (`sql/trusted/<table>.sql`) that types each staged
 * text column with the macro of its type (pipelines/sql/dialect.ts).
 */
import type { ColumnType } from '../../pipelines/datasets/dataset.ts';
import type { Proposal } from './propose.ts';
import { count, type SniffedEncoding } from './sniff-csv.ts';

/** The trusted model's expression for a column of each type. */
export const TYPE_EXPRESSIONS: Record<ColumnType, (column: string) => string> = {
  string: (column) => `{{ text(${column}) }}`,
  int: (column) => `{{ int(${column}) }}`,
  bigint: (column) => `{{ bigint(${column}) }}`,
  double: (column) => `{{ double(${column}) }}`,
  'decimal(12,2)': (column) => `{{ decimal(${column}) }}`,
  timestamp: (column) => `{{ timestamp(${column}) }}`,
  date: (column) => `{{ date(${column}) }}`,
  boolean: (column) => `{{ boolean(${column}) }}`,
};

/** A YAML scalar: plain when it is safe plain, else double-quoted (a JSON string is a YAML one). */
function scalar(value: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value) ? value : JSON.stringify(value);
}

const comment = (text: string) => text.replace(/\s+/g, ' ');

export function placeholderDescription(table: string): string {
  return `TODO: what one row of ${table} is.`;
}

export interface DatasetFileInput {
  readonly table: string;
  readonly sourceFile: string;
  readonly encoding: SniffedEncoding;
  readonly proposal: Proposal;
  /** Rows the proposal is from, and whether that is the whole file. */
  readonly rows: number;
  readonly cut: boolean;
}

export function renderDatasetFile(input: DatasetFileInput): string {
  const { table, proposal } = input;
  const lines = [
    `# Scaffolded by \`strata new dataset\` from ${comment(input.sourceFile)} (${input.cut ? `the first ${count(input.rows)} rows` : `all ${count(input.rows)} rows`}): review every line, then delete these comments.`,
    `# Types, the key and the hints below are guesses from the sample; acceptedValues, range and references are never guessed. See docs/new-dataset.md.`,
    `description: ${scalar(placeholderDescription(table))}`,
    `sourceFile: ${scalar(input.sourceFile)}`,
  ];
  if (input.encoding !== 'utf-8') lines.push(`encoding: ${input.encoding}`);
  lines.push(`# key ${proposal.key.confidence}: ${comment(proposal.key.why)}`);
  if (proposal.key.alternatives.length > 0) lines.push(`# also unique: ${proposal.key.alternatives.map((set) => `[${set.join(', ')}]`).join(', ')}`);
  lines.push(`primaryKey: [ ${proposal.key.columns.join(', ')} ]`, 'columns:');
  for (const column of proposal.columns) {
    const fields = [`name: ${column.name}`, `type: ${scalar(column.type)}`, ...(column.required ? ['required: true'] : []), `description: ${scalar(`TODO: what ${column.name} holds.`)}`];
    const notes = [column.header !== column.name ? `header "${column.header}"` : undefined, column.why, column.hint].filter((note) => note !== undefined);
    lines.push(`  - { ${fields.join(', ')} }  # ${comment(notes.join('; '))}`);
  }
  if (proposal.partition) {
    const { column, derivedFrom, firstMonth } = proposal.partition;
    lines.push(`# A large table: partition by month? firstMonth is the sample's earliest; check the whole file's.`, `# partition: { column: ${column}, kind: month, derivedFrom: ${derivedFrom}, firstMonth: "${firstMonth}" }`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderTrustedModel(table: string, sourceFile: string, proposal: Proposal): string {
  const lines = [
    `-- ${table}: ${placeholderDescription(table)}`,
    `-- Typed and trimmed from raw (scaffolded by \`strata new dataset\` from ${comment(sourceFile)}; review it): each column`,
    `-- through the macro of its type; the checks of datasets/${table}.yaml then quarantine rows`,
    `-- that fail them and superseded duplicates of the key.`,
    'select',
    ...proposal.columns.map((column) => `  ${TYPE_EXPRESSIONS[column.type](column.name)} as ${column.name},`),
    '  {{ lineage() }}',
    `from {{ source(${table}) }}`,
  ];
  return `${lines.join('\n')}\n`;
}
