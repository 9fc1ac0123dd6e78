/**
 * A dataset definition: the cloud-neutral description of one table, written
 * by a workload (workloads/<name>/datasets/<table>.yaml). Stacks
 * declare catalog tables from it; the ETL (SQL models) and quality rules are
 * checked against it.
 */

/** Column types in the portable subset Athena (Trino/Hive), Spark SQL and DuckDB share. */
export const COLUMN_TYPES = ['string', 'int', 'bigint', 'double', 'decimal(12,2)', 'timestamp', 'date', 'boolean'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
  /**
   * A row without a value here is bad (quarantined, not loaded).
   * @default false
   */
  readonly required?: boolean;
  /** Values a row may hold here; anything else is bad. @default - any value */
  readonly acceptedValues?: readonly string[];
  /** Inclusive numeric range; a value outside it is bad. @default - unbounded */
  readonly range?: { readonly min?: number; readonly max?: number };
  /**
   * The parent row a value names. Severity error: a row whose parent is
   * missing waits in quarantine until it arrives (and the parent table is
   * built first); warn: the quality check only reports it.
   * @default - no relationship
   */
  readonly references?: { readonly table: string; readonly column: string; readonly severity: 'error' | 'warn' };
}

/** How a table's files are split into folders: a commit rewrites only the partitions it touched. */
export type PartitionDefinition =
  | {
      readonly column: string;
      readonly kind: 'month';
      /** The timestamp column whose month names the partition (`yyyy-MM`). */
      readonly derivedFrom: string;
      /** First month that can hold data (`yyyy-MM`). */
      readonly firstMonth: string;
    }
  | {
      readonly column: string;
      readonly kind: 'date';
      /** The date column that names the partition (`yyyy-MM-dd`), e.g. a feature snapshot's `dt_reference`. */
      readonly derivedFrom: string;
      /** First date that can hold data (`yyyy-MM-dd`). */
      readonly firstDate: string;
    }
  | {
      readonly column: string;
      readonly kind: 'enum';
      readonly derivedFrom: string;
      readonly values: readonly string[];
    };

/**
 * How a refined table is rebuilt for what changed instead of whole: every row
 * of one `key` value is built from the input rows of that value, and from
 * the rows of other inputs they join. A run rebuilds the keys the rows merged
 * into the inputs since the last build name, and rewrites only the
 * partitions those keys' rows are in.
 */
export interface IncrementalDefinition {
  /** A column of the table (and of the direct inputs, under the same name). */
  readonly key: string;
  /**
   * Every input the model reads (`{{ ref(trusted, t) }}`), by table name: a
   * direct input holds the key (`'direct'`; the model reads only its rows of
   * the keys rebuilt); another names them through a direct input it joins
   * (`{ via, on }`: the rows of `via` whose `on` column matches a changed row's).
   */
  readonly changes: Readonly<Record<string, 'direct' | { readonly via: string; readonly on: string }>>;
}

export interface DatasetDefinition {
  /** Table name in every layer and engine. */
  readonly name: string;
  readonly layer: 'trusted' | 'refined';
  readonly description: string;
  /** The file it is loaded from, for source datasets. @default - built by SQL from other datasets */
  readonly sourceFile?: string;
  readonly columns: readonly ColumnDefinition[];
  /**
   * Character encoding of the source files. A byte-order mark that contradicts
   * it rejects every record of the file (it is never guessed), and a record
   * whose bytes do not decode is rejected (never replaced with U+FFFD).
   * `latin1` is ISO-8859-1: each byte is the code point of the same value.
   * @default 'utf-8'
   */
  readonly encoding?: 'utf-8' | 'utf-16le' | 'latin1';
  /** Columns that identify a row; duplicates keep the latest and quarantine the rest. */
  readonly primaryKey: readonly string[];
  /** @default - unpartitioned (small tables, read whole) */
  readonly partition?: PartitionDefinition;
  /** Refined tables only. @default - rebuilt whole when an input changed */
  readonly incremental?: IncrementalDefinition;
}
