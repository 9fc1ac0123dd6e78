import type { Layer } from '../../config/schema.ts';
import type { InputState, TablePointer } from '../../pipelines/contract/table-pointer.ts';
import type { Dialect } from '../../pipelines/sql/dialect.ts';
import type { Relations } from '../../pipelines/sql/render.ts';

export interface TableWritten {
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
}

/** What one partition of a write holds: `writeFiles` reports one per partition value written. */
export interface WrittenPartition {
  /** Folder in the layer holding exactly these files. */
  readonly folder: string;
  readonly rows: number;
  readonly files: readonly { readonly key: string; readonly bytes: number }[];
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

/** Where a replace writes: a table's folder in a layer, optionally partitioned, whole or some partitions. */
export interface ReplaceTarget {
  readonly layer: Layer;
  /** The table's folder in its layer (`orders`, `quarantine/orders`, `results/run_id=...`). */
  readonly prefix: string;
  readonly partitionBy?: string;
  /**
   * Only these partition values are replaced (a value the select has no rows
   * for is emptied); the others keep their committed files.
   * @default - every partition: the table becomes exactly the select
   */
  readonly partitions?: readonly string[];
  /** Kept in the pointer, see TablePointer.inputs. @default - none */
  readonly inputs?: Readonly<Record<string, InputState>>;
  /** Columns each written file's rows are sorted by (they compress better together). @default - the engine's order */
  readonly sortBy?: readonly string[];
}

/** Where `writeFiles` writes (a version folder of the table), partitioned and sorted as the table's ReplaceTarget says. */
export interface WriteTarget extends Pick<ReplaceTarget, 'layer' | 'partitionBy' | 'sortBy'> {
  readonly folder: string;
}

/**
 * The SQL engine as the handlers see it: Athena (AWS), Databricks SQL
 * (Azure), DuckDB (local). A session: temporary relations live until close().
 *
 * Engines only execute statements, write files and publish commits; what to
 * write is SQL compiled once in pipelines/, and how a commit becomes visible
 * is the table pointer (pipelines/contract/table-pointer.ts) written by
 * shared code (lambdas/lake/). `relations.ref()` names a committed table:
 * engines resolve it to the files its pointer lists when a statement runs.
 */
export interface QueryEngine {
  readonly dialect: Dialect;
  /** How models name what they read. */
  readonly relations: Relations;
  /**
   * A relation over exactly these Parquet files of a layer (staged batches),
   * with these columns; no files: an empty relation with the columns.
   */
  filesRelation(layer: Layer, keys: readonly string[], columns: readonly { readonly name: string; readonly type: string }[]): string;
  /** Materializes a select as a session-scoped relation and returns its name. */
  createTemporary(name: string, select: string): Promise<string>;
  /**
   * Writes the rows of a select as ZSTD Parquet under `layer/folder/` (a new
   * folder no reader looks at), one `<column>=<value>/` folder per partition
   * value when partitionBy is set (the column is in the folder name only),
   * each file's rows in `sortBy` order when it is set.
   * Returns what it wrote per partition value (NULL_PARTITION for null).
   */
  writeFiles(target: WriteTarget, select: string): Promise<Record<string, WrittenPartition>>;
  /**
   * After a pointer was written: makes the engine's own catalog agree with it
   * (Glue partitions on AWS); nothing where the engine reads pointers itself.
   */
  publish(pointer: TablePointer, previous: TablePointer | undefined): Promise<void>;
  /**
   * Replaces a table (or some of its partitions) with the rows of a select, as
   * one commit: readers see the old rows or the new ones, never a mix.
   */
  replace(target: ReplaceTarget, select: string): Promise<TableWritten>;
  query<Row extends Record<string, unknown>>(select: string): Promise<Row[]>;
  /**
   * Rows computed outside the engine (model scores) as a session-scoped
   * relation with the given columns, so SQL can write them to a layer.
   */
  loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string>;
  close(): Promise<void>;
}
