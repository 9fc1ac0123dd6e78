import { randomBytes } from 'node:crypto';
import { versionFolder } from '../../pipelines/contract/lake-layout.ts';
import { commitIdOf, nextPointer, WHOLE_TABLE, type CommittedPartition, type TablePointer, type Watermark } from '../../pipelines/contract/table-pointer.ts';
import type { QueryEngine, ReplaceTarget, TableWritten } from '../ports/query-engine.ts';
import type { TableStore } from './table-store.ts';

export interface CommitOptions {
  /** Column names and types for the pointer (an empty table keeps its schema). */
  readonly columns?: TablePointer['columns'];
  readonly watermark?: Watermark;
  /** Names the commit (`c000042-<label>`). @default - random */
  readonly label?: string;
  readonly now?: Date;
}

export interface Committed {
  readonly pointer: TablePointer;
  readonly previous: TablePointer | undefined;
  /** Partition values this commit wrote (or emptied). */
  readonly touched: readonly string[];
  readonly written: TableWritten;
}

/**
 * One commit of a table: writes the select's rows into a new version folder,
 * then the pointer, then mirrors it into the engine's catalog. With
 * `target.partitions`, only those partitions change.
 */
export async function commitReplace(
  engine: QueryEngine,
  tables: TableStore,
  target: ReplaceTarget,
  /** The rows; undefined commits the pointer alone (a watermark moves, nothing was written). */
  select: string | undefined,
  options: CommitOptions = {},
): Promise<Committed> {
  const folder = target.prefix.split('/').filter(Boolean).join('/');
  const previous = await tables.read(target.layer, folder);
  const version = (previous?.version ?? 0) + 1;
  const commitId = commitIdOf(version, options.label ?? randomBytes(4).toString('hex'));
  const written = select === undefined ? {} : await engine.writeFiles({ layer: target.layer, folder: versionFolder(folder, commitId), partitionBy: target.partitionBy, sortBy: target.sortBy }, select);
  const partitions: Record<string, CommittedPartition> = {};
  for (const [value, partition] of Object.entries(written)) {
    partitions[target.partitionBy === undefined ? WHOLE_TABLE : value] = { ...partition, commitId };
  }
  // A listed partition the select had no rows for is emptied.
  for (const value of target.partitions ?? []) partitions[value] ??= { folder: '', files: [], rows: 0, commitId };
  const pointer = nextPointer(previous, {
    layer: target.layer,
    folder,
    commitId,
    version,
    committedAt: (options.now ?? new Date()).toISOString(),
    partitionBy: target.partitionBy,
    columns: options.columns ?? previous?.columns ?? [],
    written: partitions,
    replaceAll: target.partitions === undefined,
    watermark: options.watermark,
    inputs: target.inputs,
  });
  await tables.commit(pointer);
  await engine.publish(pointer, previous);
  const files = Object.values(partitions).flatMap((partition) => partition.files);
  return {
    pointer,
    previous,
    touched: Object.keys(partitions),
    written: { rows: Object.values(partitions).reduce((sum, partition) => sum + partition.rows, 0), files: files.length, bytes: files.reduce((sum, file) => sum + file.bytes, 0) },
  };
}
