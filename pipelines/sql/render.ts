import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetNamed } from '../datasets/index.ts';
import { MACROS, type Dialect } from './dialect.ts';

export const SQL_DIR = dirname(fileURLToPath(import.meta.url));

/** How an engine names the relations a model reads. */
export interface Relations {
  /** Raw rows of a source table, every column as text, plus `_row_id`. */
  source(table: string): string;
  /** A table of a layer. */
  ref(layer: string, table: string): string;
}

export interface SqlModel {
  /** The table it builds, which is also its file name. */
  readonly table: string;
  readonly layer: 'trusted' | 'refined';
  readonly file: string;
  readonly text: string;
}

/** Every model under pipelines/sql/<layer>/<table>.sql. */
export function loadModels(layer: 'trusted' | 'refined'): SqlModel[] {
  const folder = join(SQL_DIR, layer);
  return readdirSync(folder)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ table: basename(name, '.sql'), layer, file: `pipelines/sql/${layer}/${name}`, text: readFileSync(join(folder, name), 'utf8') }));
}

export function loadModel(layer: 'trusted' | 'refined', table: string): SqlModel {
  const model = loadModels(layer).find((candidate) => candidate.table === table);
  if (!model) throw new Error(`no SQL model pipelines/sql/${layer}/${table}.sql`);
  return model;
}

/**
 * Where a trusted row came from: its ingest order, its file and its fields
 * as they arrived, carried beside the typed ones so the checks can report the
 * original text without joining back to raw.
 */
function lineage(model: SqlModel): string {
  if (model.layer !== 'trusted') throw new Error(`${model.file}: lineage() belongs in trusted models, which read raw`);
  const dataset = datasetNamed(model.table, 'trusted');
  return ['_row_id', '_source_file', ...dataset.columns.map((column) => `${column.name} as ${RAW_PREFIX}${column.name}`)].join(', ');
}

/** Prefix of the untyped copies of a raw row's fields. */
export const RAW_PREFIX = '_raw_';

const CALL = /\{\{\s*([a-z_]+)\(([^)]*)\)\s*\}\}/g;

/** Splits `a, 'b', c` into its arguments, unquoting quoted ones. */
function argumentsOf(text: string): string[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => part.trim().replace(/^'(.*)'$/, '$1'));
}

/** Renders a model's macros for one engine. Unknown macros are an error naming the file. */
export function renderModel(model: SqlModel, dialect: Dialect, relations: Relations): string {
  const rendered = model.text.replace(CALL, (_match, name: string, args: string) => {
    const values = argumentsOf(args);
    if (name === 'source') return relations.source(values[0]!);
    if (name === 'ref') return relations.ref(values[0]!, values[1]!);
    if (name === 'lineage') return lineage(model);
    const macro = MACROS[name];
    if (!macro) throw new Error(`${model.file}: unknown macro "${name}"; macros: source, ref, ${Object.keys(MACROS).join(', ')}`);
    return macro(dialect, ...values);
  });
  const leftover = /\{\{|\}\}/.exec(rendered);
  if (leftover) throw new Error(`${model.file}: malformed macro near "${rendered.slice(leftover.index, leftover.index + 40)}"`);
  // Comments stay in the file for readers; engines get the statement alone.
  return rendered
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .trim()
    .replace(/;$/, '');
}
