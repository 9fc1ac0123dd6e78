import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURE_DATASETS, featureColumns, SNAPSHOT_FEATURES } from '../datasets/features.ts';
import { datasetNamed } from '../datasets/index.ts';
import { LINEAGE_COLUMNS } from '../contract/lake-layout.ts';
import { MACROS, type Dialect } from './dialect.ts';

export const SQL_DIR = dirname(fileURLToPath(import.meta.url));

/** How an engine names the relations a model reads. */
export interface Relations {
  /** Staged records of a source table being built: every column as text, plus the lineage columns. */
  source(table: string): string;
  /** A table of a layer. */
  ref(layer: string, table: string): string;
}

/**
 * Folders of models: trusted and refined build the process flow's tables;
 * features (the seller feature store) and ml (training sets) write refined
 * too, and are built by the retrain flow.
 */
export type ModelFolder = 'trusted' | 'refined' | 'features' | 'ml';

export interface SqlModel {
  /** The table it builds, which is also its file name. */
  readonly table: string;
  readonly layer: 'trusted' | 'refined';
  readonly file: string;
  readonly text: string;
}

const layerOf = (folder: ModelFolder): 'trusted' | 'refined' => (folder === 'trusted' ? 'trusted' : 'refined');

/** Every model under pipelines/sql/<folder>/<table>.sql. */
export function loadModels(folder: ModelFolder): SqlModel[] {
  const directory = join(SQL_DIR, folder);
  return readdirSync(directory)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ table: basename(name, '.sql'), layer: layerOf(folder), file: `pipelines/sql/${folder}/${name}`, text: readFileSync(join(directory, name), 'utf8') }));
}

export function loadModel(folder: ModelFolder, table: string): SqlModel {
  const model = loadModels(folder).find((candidate) => candidate.table === table);
  if (!model) throw new Error(`no SQL model pipelines/sql/${folder}/${table}.sql`);
  return model;
}

/** What one statement's caller supplies besides the engine's relations. */
export interface RenderOptions {
  /**
   * Relations the caller made for this statement (temporary tables, or a
   * parenthesized select), read with `{{ ref(ml, <name>) }}`: the snapshots
   * to build, the out-of-time snapshots, the shared feature join.
   */
  readonly ml?: Readonly<Record<string, string>>;
  /** Values of `{{ param(<name>) }}`: numbers as they are, text as a quoted literal, dates as `date 'yyyy-MM-dd'`. */
  readonly params?: Readonly<Record<string, number | string | { readonly date: string }>>;
}

/**
 * Where a trusted row came from: its ingest time, file and record number, and its fields
 * as they arrived, carried beside the typed ones so the checks can report the
 * original text without joining back to raw.
 */
function lineage(model: SqlModel): string {
  if (model.layer !== 'trusted') throw new Error(`${model.file}: lineage() belongs in trusted models, which read raw`);
  const dataset = datasetNamed(model.table, 'trusted');
  return [...LINEAGE_COLUMNS, ...dataset.columns.map((column) => `${column.name} as ${RAW_PREFIX}${column.name}`)].join(', ');
}

/** Prefix of the untyped copies of a raw row's fields. */
export const RAW_PREFIX = '_raw_';

const CALL = /\{\{\s*([a-z][a-z0-9_]*)\(([^)]*)\)\s*\}\}/g;

/** Splits `a, 'b', c` into its arguments, unquoting quoted ones. */
function argumentsOf(text: string): string[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => part.trim().replace(/^'(.*)'$/, '$1'));
}

function paramLiteral(model: SqlModel, name: string, options: RenderOptions): string {
  const value = options.params?.[name];
  if (value === undefined) {
    throw new Error(`${model.file}: param(${name}) has no value; the caller passed: ${Object.keys(options.params ?? {}).join(', ') || 'none'}`);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${model.file}: param(${name}) must be a finite number, got ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value.date)) throw new Error(`${model.file}: param(${name}) must be a date yyyy-MM-dd, got "${value.date}"`);
  return `date '${value.date}'`;
}

/**
 * `alias.column` for every feature of a feature table (or, for
 * `seller_snapshot_features`, of all six), in the dataset definition's order:
 * the joins list the columns the definitions declare, written once.
 */
function featureList(model: SqlModel, table: string, alias: string | undefined): string {
  const prefix = alias ? `${alias}.` : '';
  if (table === 'seller_snapshot_features') return SNAPSHOT_FEATURES.map((column) => `${prefix}${column.name}`).join(', ');
  const dataset = FEATURE_DATASETS.find((candidate) => candidate.name === table);
  if (!dataset) throw new Error(`${model.file}: feature_columns(${table}): not a feature table; tables: seller_snapshot_features, ${FEATURE_DATASETS.map((candidate) => candidate.name).join(', ')}`);
  return featureColumns(dataset).map((column) => `${prefix}${column.name}`).join(', ');
}

function mlRelation(model: SqlModel, name: string, options: RenderOptions): string {
  const relation = options.ml?.[name];
  if (relation === undefined) {
    throw new Error(`${model.file}: reads ref(ml, ${name}), which the caller did not provide; provided: ${Object.keys(options.ml ?? {}).join(', ') || 'none'}`);
  }
  return relation;
}

/** Renders a model's macros for one engine. Unknown macros are an error naming the file. */
export function renderModel(model: SqlModel, dialect: Dialect, relations: Relations, options: RenderOptions = {}): string {
  const rendered = model.text.replace(CALL, (_match, name: string, args: string) => {
    const values = argumentsOf(args);
    if (name === 'source') return relations.source(values[0]!);
    if (name === 'ref') return values[0] === 'ml' ? mlRelation(model, values[1]!, options) : relations.ref(values[0]!, values[1]!);
    if (name === 'lineage') return lineage(model);
    if (name === 'param') return paramLiteral(model, values[0]!, options);
    if (name === 'feature_columns') return featureList(model, values[0]!, values[1]);
    const macro = MACROS[name];
    if (!macro) throw new Error(`${model.file}: unknown macro "${name}"; macros: source, ref, lineage, param, feature_columns, ${Object.keys(MACROS).join(', ')}`);
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
