/**
 * The catalog side of a commit on AWS: after the Athena engine has written a
 * table's pointer (pipelines/contract/table-pointer.ts), it mirrors the
 * committed partitions into the table's Glue partitions, each located at the
 * version folder the pointer names. Athena reads a table through its Glue
 * partitions, never by listing its folder (where uncommitted versions lie).
 *
 * The tables themselves are declared by the catalog stack (CatalogTables,
 * DataQualityCatalog) and never changed here: a commit only creates, updates
 * and deletes partitions, none of which CloudFormation manages.
 */
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchUpdatePartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
  type PartitionError,
  type PartitionInput,
  type StorageDescriptor,
} from '@aws-sdk/client-glue';
import type { Layer } from '../../../config/schema.ts';
import { WHOLE_TABLE, type TablePointer } from '../../../pipelines/contract/table-pointer.ts';

/**
 * The one partition key of an unpartitioned table, and its one value. Glue
 * cannot change a partition's values, so the value stays `current` and each
 * commit repoints its location (one atomic UpdatePartition); the commit id
 * is in the partition's COMMIT_PARAMETER.
 */
export const UNPARTITIONED_VERSION_KEY = 'strata_version';
export const UNPARTITIONED_VERSION_VALUE = 'current';

/** Entries per request Glue accepts (BatchCreatePartition, BatchUpdatePartition, BatchDeletePartition). */
export const GLUE_BATCH_LIMITS = { create: 100, update: 100, delete: 25 } as const;

/** Partition parameter naming the commit that wrote a partition's folder. */
export const COMMIT_PARAMETER = 'strata:commit_id';

export interface GlueTableCatalogProps {
  readonly client: Pick<GlueClient, 'send'>;
  /** Glue database of each layer. */
  readonly databases: Record<Layer, string>;
  /** Bucket of each layer: partition locations are `s3://<bucket>/<folder>/`. */
  readonly buckets: Record<Layer, string>;
}

/** A publish Glue refused part of; names the table and each refused partition. */
export class GlueCatalogError extends Error {
  override readonly name = 'GlueCatalogError';
}

interface WantedPartition {
  readonly values: string[];
  readonly location: string;
  readonly commitId: string;
}

/** Key of a partition's value list (Glue values never hold a NUL). */
const keyOf = (values: readonly string[]) => values.join('\u0000');

const chunks = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** `s3://bucket/folder/`, as Glue and Athena expect a folder location. */
const folderUrl = (bucket: string, folder: string) => `s3://${bucket}/${folder.replace(/^\/+|\/+$/g, '')}/`;

export class GlueTableCatalog {
  constructor(private readonly props: GlueTableCatalogProps) {}

  /**
   * The Glue table of a table folder: the layer's database, the folder with
   * `/` as `_` (`orders` -> `orders`, `quarantine/orders` -> `quarantine_orders`,
   * `results` -> `results`), as the catalog stack declares them.
   */
  glueTableOf(layer: Layer, folder: string): { database: string; table: string } {
    const trimmed = folder.replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9_]+(\/[a-z0-9_]+)*$/.test(trimmed)) throw new GlueCatalogError(`${layer}/${folder}: not a table folder (lower-case letters, digits and _, separated by /)`);
    return { database: this.props.databases[layer], table: trimmed.replaceAll('/', '_') };
  }

  /**
   * Makes the table's Glue partitions the pointer's: creates the values it
   * adds, updates (one atomic UpdatePartition per partition, batched) those
   * whose folder changed, deletes those it no longer has. What is in Glue is
   * read (GetPartitions), not assumed from `previous`, so a publish that
   * failed halfway is completed by the next. An unpartitioned table's one
   * `strata_version=current` partition is repointed like any other, so its
   * readers too see the old version or the new one.
   *
   * Each partition's storage descriptor is the table's (GetTable) with its
   * location replaced, so the format and columns are the declared ones.
   */
  async publish(pointer: TablePointer, previous: TablePointer | undefined): Promise<void> {
    const { database, table } = this.glueTableOf(pointer.layer, pointer.folder);
    const where = `${database}.${table}`;
    if (previous && (previous.layer !== pointer.layer || previous.folder !== pointer.folder)) {
      throw new GlueCatalogError(`${where}: the previous pointer is of ${previous.layer}/${previous.folder}, not ${pointer.layer}/${pointer.folder}`);
    }
    if (previous && previous.version >= pointer.version) {
      throw new GlueCatalogError(`${where}: pointer version ${pointer.version} is not newer than the previous one (${previous.version}); an older commit is never published over a newer`);
    }

    const described = await this.props.client.send(new GetTableCommand({ DatabaseName: database, Name: table }));
    const declared = described.Table;
    if (!declared?.StorageDescriptor) throw new GlueCatalogError(`${where}: GetTable returned no storage descriptor`);
    const keys = (declared.PartitionKeys ?? []).map((key) => key.Name ?? '');
    const expectedKey = pointer.partitionBy ?? UNPARTITIONED_VERSION_KEY;
    if (keys.length !== 1 || keys[0] !== expectedKey) {
      throw new GlueCatalogError(`${where}: declared with partition keys [${keys.join(', ')}]; a ${pointer.partitionBy === undefined ? 'unpartitioned' : `partitioned by ${pointer.partitionBy}`} table needs exactly [${expectedKey}]`);
    }

    const bucket = this.props.buckets[pointer.layer];
    const wanted = new Map<string, WantedPartition>();
    for (const [value, partition] of Object.entries(pointer.partitions)) {
      if (pointer.partitionBy === undefined && value !== WHOLE_TABLE) throw new GlueCatalogError(`${where}: an unpartitioned pointer holds partition ${JSON.stringify(value)}`);
      const values = [pointer.partitionBy === undefined ? UNPARTITIONED_VERSION_VALUE : value];
      wanted.set(keyOf(values), { values, location: folderUrl(bucket, partition.folder), commitId: partition.commitId });
    }

    const registered = await this.partitionsOf(database, table);
    const input = (partition: WantedPartition): PartitionInput => ({
      Values: partition.values,
      StorageDescriptor: { ...storageOf(declared.StorageDescriptor!), Location: partition.location },
      Parameters: { [COMMIT_PARAMETER]: partition.commitId },
    });
    const creates = [...wanted].filter(([key]) => !registered.has(key)).map(([, partition]) => partition);
    const updates = [...wanted].filter(([key, partition]) => {
      const current = registered.get(key);
      return current !== undefined && (current.location !== partition.location || current.commitId !== partition.commitId);
    });
    const deletes = [...registered].filter(([key]) => !wanted.has(key)).map(([, current]) => current.values);

    for (const batch of chunks(creates, GLUE_BATCH_LIMITS.create)) {
      const result = await this.props.client.send(new BatchCreatePartitionCommand({ DatabaseName: database, TableName: table, PartitionInputList: batch.map(input) }));
      failOn(where, 'create', result.Errors);
    }
    for (const batch of chunks(updates, GLUE_BATCH_LIMITS.update)) {
      const result = await this.props.client.send(
        new BatchUpdatePartitionCommand({
          DatabaseName: database,
          TableName: table,
          Entries: batch.map(([, partition]) => ({ PartitionValueList: partition.values, PartitionInput: input(partition) })),
        }),
      );
      failOn(
        where,
        'update',
        result.Errors?.map((error) => ({ PartitionValues: error.PartitionValueList, ErrorDetail: error.ErrorDetail })),
      );
    }
    for (const batch of chunks(deletes, GLUE_BATCH_LIMITS.delete)) {
      const result = await this.props.client.send(
        new BatchDeletePartitionCommand({ DatabaseName: database, TableName: table, PartitionsToDelete: batch.map((values) => ({ Values: values })) }),
      );
      failOn(where, 'delete', result.Errors);
    }
  }

  /** Every partition Glue holds for the table, by value list. */
  private async partitionsOf(database: string, table: string): Promise<Map<string, { values: string[]; location: string | undefined; commitId: string | undefined }>> {
    const found = new Map<string, { values: string[]; location: string | undefined; commitId: string | undefined }>();
    let nextToken: string | undefined;
    do {
      const page = await this.props.client.send(new GetPartitionsCommand({ DatabaseName: database, TableName: table, NextToken: nextToken, ExcludeColumnSchema: true }));
      for (const partition of page.Partitions ?? []) {
        const values = partition.Values ?? [];
        found.set(keyOf(values), { values, location: partition.StorageDescriptor?.Location, commitId: partition.Parameters?.[COMMIT_PARAMETER] });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }
}

/** The table's storage descriptor as a partition's: what PartitionInput accepts, the location set by the caller. */
function storageOf(table: StorageDescriptor): StorageDescriptor {
  const { Columns, InputFormat, OutputFormat, Compressed, NumberOfBuckets, SerdeInfo, BucketColumns, SortColumns, Parameters, StoredAsSubDirectories } = table;
  return { Columns, InputFormat, OutputFormat, Compressed, NumberOfBuckets, SerdeInfo, BucketColumns, SortColumns, Parameters, StoredAsSubDirectories };
}

function failOn(where: string, action: string, errors: readonly PartitionError[] | undefined): void {
  if (!errors || errors.length === 0) return;
  const listed = errors.map((error) => `[${(error.PartitionValues ?? []).join(', ')}]: ${error.ErrorDetail?.ErrorCode ?? 'error'} ${error.ErrorDetail?.ErrorMessage ?? ''}`.trim());
  throw new GlueCatalogError(`${where}: Glue refused to ${action} ${errors.length} partition(s): ${listed.join('; ')}`);
}
