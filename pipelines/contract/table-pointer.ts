/**
 * The table pointer: the one object that says which files are a table's
 * committed version. A build writes a new version's files into a folder no
 * reader looks at (`<table>/_v/<commit>/`), then writes the pointer in one
 * PUT (S3, ADLS) or rename (local): that write is the commit. Readers resolve
 * a table through its pointer, so they see the previous version or the new
 * one, never a mix; a build killed before the PUT leaves files that nothing
 * references, and the next commit deletes them.
 *
 * Per partition: a commit rewrites only the partitions it touched; the other
 * partitions keep pointing at the folders of earlier commits. On AWS the
 * Athena engine mirrors each committed partition's folder into the Glue
 * catalog after the PUT (the catalog pointer); locally and on Databricks the
 * engines read the file lists below.
 */
import type { Layer } from '../../config/schema.ts';
import { partitionFolder, pointerKey, versionFolder } from './lake-layout.ts';

export const POINTER_FORMAT = 'strata-table/1';
/** The one partition of an unpartitioned table. */
export const WHOLE_TABLE = '';

export interface CommittedFile {
  /** Key in the table's layer. */
  readonly key: string;
  readonly bytes: number;
}

export interface CommittedPartition {
  /** Folder in the layer holding exactly this partition's files of this version (no other files). */
  readonly folder: string;
  readonly files: readonly CommittedFile[];
  readonly rows: number;
  /** The commit that wrote it. */
  readonly commitId: string;
}

/** What a trusted table has merged from staged raw: the watermark. */
export interface Watermark {
  /** Latest `_ingested_at` merged. */
  readonly ingestedAt: string;
  /**
   * Staged files merged whose ingest date is on or after the day before the
   * watermark's: a file that became visible late (ingest still writing when
   * the build listed) is still found, and the list stays as short as a day.
   */
  readonly recentFiles: readonly string[];
}

export interface TablePointer {
  readonly format: typeof POINTER_FORMAT;
  readonly layer: Layer;
  /** The table's folder in its layer (`orders`, `quarantine/orders`, `results`). */
  readonly folder: string;
  readonly version: number;
  readonly commitId: string;
  readonly committedAt: string;
  /** Partition column, stored in folder names only (Hive style). @default - unpartitioned */
  readonly partitionBy?: string;
  /** Column names and engine-neutral types of the files, so an empty table still has a schema. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** Partition value (WHOLE_TABLE when unpartitioned) -> its committed files. */
  readonly partitions: Readonly<Record<string, CommittedPartition>>;
  /** Folders the previous commit replaced: kept one commit longer for readers still reading them, then deleted. */
  readonly retired: readonly string[];
  /** Trusted tables: what has been merged. */
  readonly watermark?: Watermark;
  /** Refined tables: per input (`trusted/orders`), what it held when this version was built from it. */
  readonly inputs?: Readonly<Record<string, InputState>>;
}

/** What a refined table read of one input. */
export interface InputState {
  /** `dataIdentityOf` the input: unchanged, the input is skipped over. */
  readonly data: string;
  /** The input's watermark (trusted tables): what was merged into it by then, so an incremental build reads only what was merged since. */
  readonly watermark?: Watermark;
}

/**
 * What a table holds, as one text: its partitions and the commit that wrote
 * each. A commit that only moves the watermark keeps it, so a refined table
 * is not rebuilt for a batch that changed no row of its inputs.
 */
export function dataIdentityOf(pointer: TablePointer): string {
  return Object.entries(pointer.partitions)
    .map(([value, partition]) => `${value}=${partition.commitId}`)
    .sort()
    .join(';');
}

/**
 * The first ingest day (`yyyy-MM-dd`) whose staged files a watermark does not
 * account for wholly: the day before its latest ingest time. Files of that
 * day onwards not in `recentFiles` are merged after it; every file of an
 * earlier day was merged before it.
 */
export function watermarkEve(watermark: Watermark): string {
  return new Date(Date.parse(`${watermark.ingestedAt.slice(0, 10)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

export const rowsOf = (pointer: TablePointer | undefined) => Object.values(pointer?.partitions ?? {}).reduce((sum, partition) => sum + partition.rows, 0);
export const filesOf = (pointer: TablePointer | undefined) => Object.values(pointer?.partitions ?? {}).flatMap((partition) => partition.files);
export const bytesOf = (pointer: TablePointer | undefined) => filesOf(pointer).reduce((sum, file) => sum + file.bytes, 0);

/** A commit id that sorts by version: `c000042-<run>`. */
export function commitIdOf(version: number, runId: string): string {
  return `c${String(version).padStart(6, '0')}-${runId.replace(/[^a-zA-Z0-9-]/g, '_')}`;
}

/** Where a commit writes a partition: `<folder>/_v/<commit>/[<column>=<value>]`. */
export function partitionVersionFolder(folder: string, commitId: string, partitionBy: string | undefined, value: string): string {
  const base = versionFolder(folder, commitId);
  return partitionBy === undefined ? base : `${base}/${partitionFolder(partitionBy, value === NULL_PARTITION ? null : value)}`;
}

/** How a null partition value is keyed in `partitions`. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

export { pointerKey };

/**
 * The next pointer: `written` partitions replace theirs (an empty one is
 * dropped), `dropped` go, the rest stay; what the new one replaced is retired.
 */
export function nextPointer(
  previous: TablePointer | undefined,
  commit: {
    readonly layer: Layer;
    readonly folder: string;
    readonly commitId: string;
    readonly version: number;
    readonly committedAt: string;
    readonly partitionBy?: string;
    readonly columns: TablePointer['columns'];
    readonly written: Readonly<Record<string, CommittedPartition>>;
    /** Replace every partition (a full rebuild): those not written are dropped. */
    readonly replaceAll: boolean;
    readonly watermark?: Watermark;
    readonly inputs?: Readonly<Record<string, InputState>>;
  },
): TablePointer {
  const kept: Record<string, CommittedPartition> = {};
  const retired: string[] = [];
  for (const [value, partition] of Object.entries(previous?.partitions ?? {})) {
    if (commit.replaceAll || value in commit.written) retired.push(partition.folder);
    else kept[value] = partition;
  }
  for (const [value, partition] of Object.entries(commit.written)) {
    if (partition.rows > 0 || (commit.partitionBy === undefined && partition.files.length > 0)) kept[value] = partition;
  }
  const sorted = Object.fromEntries(Object.entries(kept).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    format: POINTER_FORMAT,
    layer: commit.layer,
    folder: commit.folder,
    version: commit.version,
    commitId: commit.commitId,
    committedAt: commit.committedAt,
    ...(commit.partitionBy === undefined ? {} : { partitionBy: commit.partitionBy }),
    columns: commit.columns,
    partitions: sorted,
    retired: retired.filter((folder) => !Object.values(sorted).some((partition) => partition.folder === folder)).sort(),
    ...(commit.watermark ? { watermark: commit.watermark } : previous?.watermark ? { watermark: previous.watermark } : {}),
    ...(commit.inputs ? { inputs: commit.inputs } : {}),
  };
}

/** Parses a pointer read from the lake; fails naming the key when it is not one. */
export function parsePointer(key: string, text: string): TablePointer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${key}: not a table pointer (invalid JSON: ${(error as Error).message})`);
  }
  const pointer = parsed as Partial<TablePointer>;
  if (pointer.format !== POINTER_FORMAT || typeof pointer.version !== 'number' || typeof pointer.partitions !== 'object' || pointer.partitions === null) {
    throw new Error(`${key}: not a ${POINTER_FORMAT} table pointer`);
  }
  return pointer as TablePointer;
}

export const serializePointer = (pointer: TablePointer) => `${JSON.stringify(pointer, null, 2)}\n`;
