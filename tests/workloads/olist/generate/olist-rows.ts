/**
 * Reads generated CSVs back and judges each row against the dataset
 * definitions in workloads/olist/datasets/, independently of the generator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetDefinition } from '../../../../pipelines/datasets/dataset.ts';

export interface CsvRecord {
  /** The record as it appears in the file, without its line end. */
  readonly raw: string;
  readonly fields: readonly string[];
}

/** RFC 4180: fields may be quoted, quotes doubled, line breaks inside quotes. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n') {
      fields.push(field);
      records.push({ raw: text.slice(start, i), fields });
      fields = [];
      field = '';
      start = i + 1;
    } else field += char;
  }
  if (start < text.length) throw new Error('file does not end with a line break');
  return records;
}

export function readCsv(dir: string, file: string): { header: readonly string[]; rows: CsvRecord[] } {
  const [header, ...rows] = parseCsv(readFileSync(join(dir, file), 'utf8'));
  return { header: header!.fields, rows };
}

export type RowVerdict = 'clean' | 'extra_field' | 'duplicate' | 'empty_key' | 'unparseable_date' | 'unparseable_number' | 'out_of_range';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

function isTimestamp(text: string): boolean {
  const match = TIMESTAMP.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

/** Judges every row of a file; a repeated record is a duplicate from its second occurrence on. */
export function judgeRows(dataset: DatasetDefinition, rows: readonly CsvRecord[]): RowVerdict[] {
  const seen = new Set<string>();
  const keyIndex = dataset.columns.findIndex((column) => column.name === dataset.primaryKey[0]);
  return rows.map((row): RowVerdict => {
    if (row.fields.length !== dataset.columns.length) return 'extra_field';
    if (seen.has(row.raw)) return 'duplicate';
    seen.add(row.raw);
    if (row.fields[keyIndex] === '') return 'empty_key';
    const values = dataset.columns.map((column, index) => ({ column, value: row.fields[index]! }));
    if (values.some(({ column, value }) => column.type === 'timestamp' && value !== '' && !isTimestamp(value))) return 'unparseable_date';
    const numeric = (type: string) => type === 'int' || type === 'bigint' || type === 'double' || type.startsWith('decimal');
    if (values.some(({ column, value }) => numeric(column.type) && value !== '' && !NUMBER.test(value))) return 'unparseable_number';
    const outside = values.some(({ column, value }) => {
      if (value === '') return false;
      if (column.acceptedValues && !column.acceptedValues.includes(value)) return true;
      const number = Number(value);
      return (column.range?.min !== undefined && number < column.range.min) || (column.range?.max !== undefined && number > column.range.max);
    });
    return outside ? 'out_of_range' : 'clean';
  });
}
