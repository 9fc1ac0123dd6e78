/**
 * What a workload's code may add to its files. A workload is the folder
 * `workloads/<name>/`: its tables are files (`datasets/<table>.yaml`, the
 * SQL under `sql/`), so adding a table needs no code at all; a
 * `workload.ts` exporting one WorkloadCode adds what files cannot say:
 * value sets shared by its tables, HTTP sources and models.
 * workloads/index.ts lists the workloads that have code; a data generator
 * is listed in workloads/generators.ts, ML steps in workloads/ml.ts.
 */
import type { ColumnDefinition, DatasetDefinition } from '../datasets/dataset.ts';
import type { ModelDefinition } from '../models/model.ts';
import type { HttpJsonSource } from './http-source.ts';

export interface WorkloadCode {
  /**
   * Value lists the dataset files name in `acceptedValues` or an enum
   * partition's `values`, so one list serves every table that uses it.
   * @default - none: files list their values
   */
  readonly values?: Readonly<Record<string, readonly string[]>>;
  /** Where month partitions of its tables start when a file does not say (`yyyy-MM`). @default - each file says */
  readonly firstMonth?: string;
  /** APIs the ingest flow polls for this workload. @default - none */
  readonly sources?: (environmentName: string) => readonly HttpJsonSource[];
  /**
   * Tables of refined the retrain flow builds (feature store, training sets),
   * declared in the catalogs like the files' tables; their SQL is under
   * `sql/features/` and `sql/ml/`. @default - none
   */
  readonly retrainDatasets?: readonly DatasetDefinition[];
  /** Named column lists its SQL models expand with `{{ feature_columns(<name>[, <alias>]) }}`. @default - none */
  readonly columnLists?: Readonly<Record<string, readonly ColumnDefinition[]>>;
  /** What the retrain flow trains, gates and scores. @default - none (no retrain flow for this workload) */
  readonly models?: readonly ModelDefinition[];
}
