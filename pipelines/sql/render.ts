import { LINEAGE_COLUMNS } from '../contract/lake-layout.ts';
import { catalogFor, installedCatalog } from '../workloads/registry.ts';
import type { ModelFolder, SqlModel } from '../workloads/workload-folder.ts';
import { MACROS, type Dialect } from './dialect.ts';

export type { ModelFolder, SqlModel } from '../workloads/workload-folder.ts';

/** How an engine names the relations a model reads. */
export interface Relations {
  /** Staged records of a source table being built: every column as text, plus the lineage columns. */
  source(table: string): string;
  /** A table of a layer. */
  ref(layer: string, table: string): string;
}

/** Every installed workload's models of a folder. */
export function loadModels(folder: ModelFolder): SqlModel[] {
  return installedCatalog().sqlModels(folder);
}

/** The SQL model building a table, from whichever installed workload has it (table names are unique). */
export function loadModel(folder: ModelFolder, table: string): SqlModel {
  return installedCatalog().sqlModel(folder, table);
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
  const dataset = catalogFor([model.workload]).datasetNamed(model.table, 'trusted');
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
 * `alias.column` for every column of a named list the model's workload
 * declares (`columnLists` in its workload.ts), in order: the joins list the
 * columns the definitions declare, written once.
 */
function columnList(model: SqlModel, name: string, alias: string | undefined): string {
  const prefix = alias ? `${alias}.` : '';
  const lists = catalogFor([model.workload]).workloads[0]!.code.columnLists ?? {};
  const columns = lists[name];
  if (!columns) throw new Error(`${model.file}: feature_columns(${name}): workloads/${model.workload} declares no column list "${name}"; lists: ${Object.keys(lists).join(', ') || 'none'}`);
  return columns.map((column) => `${prefix}${column.name}`).join(', ');
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
    if (name === 'feature_columns') return columnList(model, values[0]!, values[1]);
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
