/**
 * Reads one workload folder: its dataset files and SQL models. The same
 * code reads the source tree (`workloads/<name>/`) and a Lambda or function
 * bundle, which carries each workload's `datasets/` and `sql/` beside the
 * code (stacks/aws/lambda-bundles.ts, stacks/azure/function-bundle.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../../config/config-error.ts';
import type { DatasetDefinition } from '../datasets/dataset.ts';
import { parseDatasetFile, type DatasetFileContext } from './dataset-file.ts';

/** Folders of `sql/` holding models: trusted and refined build the process flow's tables; features and ml the retrain flow's. */
export const SQL_FOLDERS = ['trusted', 'refined', 'features', 'ml'] as const;
export type ModelFolder = (typeof SQL_FOLDERS)[number];

/** What a workload keeps in files, and what a bundle copies of it. */
export const WORKLOAD_FILE_FOLDERS = ['datasets', 'sql'] as const;
export const DATASETS_FOLDER = 'datasets';
export const DATASET_FILE_EXTENSION = '.yaml';

export interface SqlModel {
  /** The table it builds, which is also its file name. */
  readonly table: string;
  readonly layer: 'trusted' | 'refined';
  /** Where it is, as people see it: `workloads/<workload>/sql/<folder>/<table>.sql`. */
  readonly file: string;
  readonly text: string;
  readonly folder: ModelFolder;
  readonly workload: string;
}

export interface WorkloadFiles {
  readonly name: string;
  /** Its tables from `datasets/*.yaml`, trusted first, each layer by name. */
  readonly datasets: readonly DatasetDefinition[];
  readonly models: readonly SqlModel[];
}

const cache = new Map<string, WorkloadFiles>();

/**
 * The files of the workload in `directory` (read once per process). A file a
 * person got wrong is a ConfigError naming the file (under `shown`, the
 * folder as people see it) and the field.
 */
export function readWorkloadFolder(directory: string, name: string, context: DatasetFileContext, shown = `workloads/${name}`): WorkloadFiles {
  const cached = cache.get(directory);
  if (cached) return cached;
  const datasetsDir = join(directory, DATASETS_FOLDER);
  const problems: string[] = [];
  const datasets: DatasetDefinition[] = [];
  /** Tables whose file exists but could not be read: their models are not reported as orphans. */
  const unreadable = new Set<string>();
  if (existsSync(datasetsDir)) {
    for (const fileName of readdirSync(datasetsDir).sort()) {
      if (fileName.startsWith('.')) continue;
      const file = `${shown}/${DATASETS_FOLDER}/${fileName}`;
      if (!fileName.endsWith(DATASET_FILE_EXTENSION)) {
        problems.push(`${file}: not a dataset file; ${DATASETS_FOLDER}/ holds <table>${DATASET_FILE_EXTENSION} files only`);
        continue;
      }
      try {
        datasets.push(parseDatasetFile(readFileSync(join(datasetsDir, fileName), 'utf8'), file, basename(fileName, DATASET_FILE_EXTENSION), context));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems);
        unreadable.add(basename(fileName, DATASET_FILE_EXTENSION));
      }
    }
  }
  const models: SqlModel[] = [];
  for (const folder of SQL_FOLDERS) {
    const sqlDir = join(directory, 'sql', folder);
    if (!existsSync(sqlDir)) continue;
    for (const fileName of readdirSync(sqlDir).sort()) {
      if (!fileName.endsWith('.sql')) continue;
      models.push({
        table: basename(fileName, '.sql'),
        layer: folder === 'trusted' ? 'trusted' : 'refined',
        file: `${shown}/sql/${folder}/${fileName}`,
        text: readFileSync(join(sqlDir, fileName), 'utf8'),
        folder,
        workload: name,
      });
    }
  }
  // A table without its model (or the other way round) would fail only when the flow reaches it: said here, at load.
  for (const dataset of datasets) {
    const folder = dataset.layer === 'trusted' ? 'trusted' : 'refined';
    if (!models.some((model) => model.folder === folder && model.table === dataset.name)) {
      problems.push(`${shown}/${DATASETS_FOLDER}/${dataset.name}${DATASET_FILE_EXTENSION}: no SQL model ${shown}/sql/${folder}/${dataset.name}.sql builds it`);
    }
  }
  for (const model of models.filter((candidate) => candidate.folder === 'trusted' || candidate.folder === 'refined')) {
    if (!unreadable.has(model.table) && !datasets.some((dataset) => dataset.name === model.table && dataset.layer === model.layer)) {
      problems.push(`${model.file}: no dataset file ${shown}/${DATASETS_FOLDER}/${model.table}${DATASET_FILE_EXTENSION} declares the table it builds`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const byLayer = [...datasets.filter((dataset) => dataset.layer === 'trusted'), ...datasets.filter((dataset) => dataset.layer === 'refined')];
  const files = { name, datasets: byLayer, models };
  cache.set(directory, files);
  return files;
}
