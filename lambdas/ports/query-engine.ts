import type { Layer } from '../../config/schema.ts';
import type { DatasetDefinition } from '../../pipelines/datasets/index.ts';
import type { Dialect } from '../../pipelines/sql/dialect.ts';
import type { Relations } from '../../pipelines/sql/render.ts';

/** A raw table staged for checking: every field as text, in ingest order. */
export interface StagedRaw {
  /** Relation with the dataset's columns as text, `_row_id` (ingest order) and `_source_file`. */
  readonly relation: string;
  /** Relation of lines the CSV reader could not split into the dataset's columns: `raw_line, reason, source_file`. */
  readonly rejectedRelation: string;
  /** Raw files read, as keys in the raw layer. */
  readonly files: readonly string[];
  /** Rows read: staged rows plus rejected lines. */
  readonly rowsRead: number;
}

export interface TableWritten {
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
}

export interface LoadedColumn {
  readonly name: string;
  readonly type: 'string' | 'double' | 'int' | 'date';
}

/** A loaded value: text, a number, a `YYYY-MM-DD` date as text, or null. */
export type LoadedValue = string | number | null;

/** The input a table build needs is unusable (missing files, missing columns): the table fails, others go on. */
export class TableInputError extends Error {
  override readonly name = 'TableInputError';
}

/**
 * The SQL engine as the handlers see it: Athena (AWS), Databricks SQL
 * (Azure), DuckDB (local). A session: temporary relations live until close().
 */
export interface QueryEngine {
  readonly dialect: Dialect;
  /** How models name what they read. */
  readonly relations: Relations;
  /** Stages every raw file of a source table; throws TableInputError when a file lacks a dataset column. */
  stageRaw(dataset: DatasetDefinition): Promise<StagedRaw>;
  /** Materializes a select as a session-scoped relation and returns its name. */
  createTemporary(name: string, select: string): Promise<string>;
  /**
   * Replaces everything under `layer/prefix` with the rows of a select, as
   * ZSTD Parquet in files of about `targetFileMb`, split into `partitionBy`
   * folders. Readers see the old rows or the new ones, never a mix.
   */
  replace(target: { layer: Layer; prefix: string; partitionBy?: string }, select: string): Promise<TableWritten>;
  query<Row extends Record<string, unknown>>(select: string): Promise<Row[]>;
  /**
   * Rows computed outside the engine (model scores) as a session-scoped
   * relation with the given columns, so SQL can write them to a layer.
   */
  loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string>;
  close(): Promise<void>;
}
