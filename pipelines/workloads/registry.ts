/**
 * The workload registry: how the platform (stacks, handlers, flows, quality,
 * the CLI) learns which tables, SQL models, sources and models exist,
 * without naming a workload. An environment lists its workloads
 * (`workloads:`); `catalogFor` gathers what they declare.
 *
 * Workloads are the folders of the workloads root: `workloads/` in the
 * source tree, the bundle's own folder in a Lambda or function app (the
 * bundles copy each workload's files beside the code), or the folder
 * STRATA_WORKLOADS_DIR names (workloads kept outside the repository, and
 * tests). Code a workload has is listed in workloads/index.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/config-error.ts';
import { WORKLOAD_CODE, WORKLOADS_DIR } from '../../workloads/index.ts';
import type { DatasetDefinition } from '../datasets/dataset.ts';
import type { ModelDefinition } from '../models/model.ts';
import type { HttpJsonSource } from './http-source.ts';
import type { WorkloadCode } from './workload.ts';
import { DATASETS_FOLDER, readWorkloadFolder, type ModelFolder, type SqlModel } from './workload-folder.ts';

/** Names a folder holding workloads other than the source tree's `workloads/` (replaces it). */
export const WORKLOADS_DIR_VARIABLE = 'STRATA_WORKLOADS_DIR';

/** The folder workloads are read from. */
export function workloadsRoot(): string {
  return process.env[WORKLOADS_DIR_VARIABLE] || WORKLOADS_DIR;
}

/** A relationship between two tables, from a column's `references`. */
export interface Relationship {
  readonly table: string;
  readonly column: string;
  readonly parentTable: string;
  readonly parentColumn: string;
  readonly severity: 'error' | 'warn';
}

export interface Workload {
  readonly name: string;
  /** Its folder. */
  readonly directory: string;
  /** Its folder as people see it: `workloads/<name>` in the repository, the path elsewhere. */
  readonly shown: string;
  readonly datasets: readonly DatasetDefinition[];
  readonly sqlModels: readonly SqlModel[];
  readonly code: WorkloadCode;
}

/** What a set of workloads declares, together. */
export interface Catalog {
  readonly workloads: readonly Workload[];
  /** Tables loaded from files, built by the process flow's trusted step. */
  readonly trusted: readonly DatasetDefinition[];
  /** Business tables the process flow builds from trusted. */
  readonly refined: readonly DatasetDefinition[];
  /** trusted, then refined. */
  readonly datasets: readonly DatasetDefinition[];
  /** Refined tables the retrain flow builds (feature store, training sets). */
  readonly retrainDatasets: readonly DatasetDefinition[];
  readonly relationships: readonly Relationship[];
  readonly models: readonly ModelDefinition[];
  /** The HTTP sources an environment of this name polls. */
  sources(environmentName: string): HttpJsonSource[];
  /** The dataset of a layer with this name; fails listing the names that exist. */
  datasetNamed(name: string, layer?: 'trusted' | 'refined'): DatasetDefinition;
  /** Any table of these workloads by name, the retrain flow's included; fails listing the names that exist. */
  tableNamed(name: string): DatasetDefinition;
  sqlModel(folder: ModelFolder, table: string): SqlModel;
  sqlModels(folder: ModelFolder): SqlModel[];
  modelNamed(name: string): ModelDefinition;
  /** The workload holding a table, by the table's name. */
  workloadOf(table: string): Workload;
}

/** Every workload in the root, by folder name: a folder holding `datasets/`, or one listed in workloads/index.ts. */
export function installedWorkloadNames(root = workloadsRoot()): string[] {
  const folders = existsSync(root)
    ? readdirSync(root).filter((name) => !name.startsWith('.') && !name.startsWith('_') && existsSync(join(root, name, DATASETS_FOLDER)) && statSync(join(root, name)).isDirectory())
    : [];
  const withCode = Object.keys(WORKLOAD_CODE).filter((name) => root === WORKLOADS_DIR || existsSync(join(root, name)));
  return [...new Set([...folders, ...withCode])].sort();
}

function loadWorkload(name: string, root: string): Workload {
  const directory = join(root, name);
  const code: WorkloadCode = WORKLOAD_CODE[name] ?? {};
  const shown = root === WORKLOADS_DIR ? `workloads/${name}` : directory;
  const files = readWorkloadFolder(directory, name, { values: code.values ?? {}, ...(code.firstMonth !== undefined ? { firstMonth: code.firstMonth } : {}) }, shown);
  return { name, directory, shown, datasets: files.datasets, sqlModels: files.models, code };
}

const catalogs = new Map<string, Catalog>();

/**
 * What the named workloads declare, together: an environment's
 * `workloads`. Unknown names, and a table two workloads both declare, are
 * a ConfigError saying which.
 */
export function catalogFor(names: readonly string[], root = workloadsRoot()): Catalog {
  const key = `${root}\n${names.join(',')}`;
  const cached = catalogs.get(key);
  if (cached) return cached;
  const installed = installedWorkloadNames(root);
  const unknown = names.filter((name) => !installed.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError([`workloads: ${unknown.map((name) => `"${name}"`).join(', ')}: no such workload; installed: ${installed.join(', ') || 'none'} (folders of ${root === WORKLOADS_DIR ? 'workloads/' : root})`]);
  }
  const catalog = buildCatalog(names.map((name) => loadWorkload(name, root)));
  catalogs.set(key, catalog);
  return catalog;
}

/** Every installed workload's catalog: for lookups by table name where no environment is at hand. */
export function installedCatalog(root = workloadsRoot()): Catalog {
  return catalogFor(installedWorkloadNames(root), root);
}

/** Glue's limit on a column comment; Unity Catalog's is larger, so Glue's decides. */
export const COLUMN_COMMENT_LIMIT = 255;

function buildCatalog(workloads: Workload[]): Catalog {
  const owner = new Map<string, Workload>();
  const problems: string[] = [];
  for (const workload of workloads) {
    for (const dataset of [...workload.datasets, ...(workload.code.retrainDatasets ?? [])]) {
      for (const column of dataset.columns) {
        if (column.description.length > COLUMN_COMMENT_LIMIT) {
          problems.push(`${workload.shown}: ${dataset.name}.${column.name}: its description has ${column.description.length} characters; at most ${COLUMN_COMMENT_LIMIT} (it becomes the catalog's column comment)`);
        }
      }
    }
    const tables = [...workload.datasets, ...(workload.code.retrainDatasets ?? [])].map((dataset) => dataset.name);
    for (const table of tables) {
      const earlier = owner.get(table);
      if (earlier && earlier !== workload) problems.push(`${workload.shown}: table "${table}" is already declared by ${earlier.shown}; table names are unique across an environment's workloads`);
      owner.set(table, workload);
    }
  }
  const trusted = workloads.flatMap((workload) => workload.datasets.filter((dataset) => dataset.layer === 'trusted'));
  const refined = workloads.flatMap((workload) => workload.datasets.filter((dataset) => dataset.layer === 'refined'));
  const datasets = [...trusted, ...refined];
  const relationships: Relationship[] = trusted.flatMap((dataset) =>
    dataset.columns.flatMap((column) =>
      column.references ? [{ table: dataset.name, column: column.name, parentTable: column.references.table, parentColumn: column.references.column, severity: column.references.severity }] : [],
    ),
  );
  for (const relationship of relationships) {
    const parent = trusted.find((dataset) => dataset.name === relationship.parentTable);
    const file = `${owner.get(relationship.table)?.shown}/${DATASETS_FOLDER}/${relationship.table}.yaml`;
    if (!parent) problems.push(`${file}: ${relationship.column} references ${relationship.parentTable}.${relationship.parentColumn}: no trusted table "${relationship.parentTable}" in this environment's workloads`);
    else if (!parent.columns.some((column) => column.name === relationship.parentColumn)) problems.push(`${file}: ${relationship.column} references ${relationship.parentTable}.${relationship.parentColumn}: ${relationship.parentTable} has no column "${relationship.parentColumn}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const retrainDatasets = workloads.flatMap((workload) => workload.code.retrainDatasets ?? []);
  const models = workloads.flatMap((workload) => workload.code.models ?? []);
  const sqlModels = workloads.flatMap((workload) => workload.sqlModels);
  return {
    workloads,
    trusted,
    refined,
    datasets,
    retrainDatasets,
    relationships,
    models,
    sources: (environmentName) => workloads.flatMap((workload) => workload.code.sources?.(environmentName) ?? []),
    datasetNamed(name, layer) {
      const candidates = datasets.filter((dataset) => layer === undefined || dataset.layer === layer);
      const dataset = candidates.find((candidate) => candidate.name === name);
      if (!dataset) throw new RangeError(`no ${layer ? `${layer} ` : ''}dataset "${name}"; known: ${candidates.map((candidate) => candidate.name).join(', ')}`);
      return dataset;
    },
    tableNamed(name) {
      const all = [...datasets, ...retrainDatasets];
      const dataset = all.find((candidate) => candidate.name === name);
      if (!dataset) throw new RangeError(`no table "${name}" in workloads ${workloads.map((workload) => workload.name).join(', ')}; tables: ${all.map((candidate) => candidate.name).join(', ')}`);
      return dataset;
    },
    sqlModels: (folder) => sqlModels.filter((model) => model.folder === folder),
    sqlModel(folder, table) {
      const model = sqlModels.find((candidate) => candidate.folder === folder && candidate.table === table);
      if (!model) throw new Error(`no SQL model sql/${folder}/${table}.sql in workloads ${workloads.map((workload) => workload.name).join(', ')}`);
      return model;
    },
    modelNamed(name) {
      const model = models.find((candidate) => candidate.name === name);
      if (!model) throw new TypeError(`unknown model "${name}"; models: ${models.map((candidate) => candidate.name).join(', ') || 'none'}`);
      return model;
    },
    workloadOf(table) {
      const workload = owner.get(table);
      if (!workload) throw new RangeError(`no workload declares table "${table}"`);
      return workload;
    },
  };
}
