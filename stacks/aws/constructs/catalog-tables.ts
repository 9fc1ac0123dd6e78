import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { UNPARTITIONED_VERSION_KEY } from '../../../lambdas/adapters/aws/glue-table-catalog.ts';
import { LINEAGE } from '../../../pipelines/contract/lake-layout.ts';
import type { ColumnType, DatasetDefinition, PartitionDefinition } from '../../../pipelines/datasets/index.ts';

export interface CatalogTablesProps {
  /** The tables to declare, all of one layer. */
  readonly datasets: readonly DatasetDefinition[];
  /** The layer's Glue database. */
  readonly database: glue.IDatabase;
  /** The layer's bucket; each table lives under `<table>/`. */
  readonly bucket: s3.IBucket;
  /**
   * Add the lineage columns (`_ingested_at`, `_source_file`, `_record_number`)
   * after the dataset's columns, as trusted rows carry them.
   * @default false
   */
  readonly lineage?: boolean;
}

/**
 * Glue tables declared from dataset definitions: the schema is reviewed in
 * code. Their partitions follow the table pointer (pipelines/contract/
 * table-pointer.ts): each commit registers its partitions, each located at
 * the version folder the pointer names (GlueTableCatalog), so no partition
 * projection, crawler or `MSCK REPAIR` ever lists the table's folder (where
 * uncommitted versions lie).
 *
 * An unpartitioned dataset is declared with one partition key,
 * `strata_version`: its one partition (value: the pointer's commitId) is what
 * each commit repoints. The table's own location is never changed after
 * deploy, so no commit touches a property CloudFormation manages (a
 * repointed table location would drift from the template and be reset by
 * the next deploy).
 */
export class CatalogTables extends Construct {
  readonly tables: Record<string, glue.S3Table> = {};

  constructor(scope: Construct, id: string, props: CatalogTablesProps) {
    super(scope, id);
    for (const dataset of props.datasets) {
      const partitions = [dataset.partition].filter((partition): partition is PartitionDefinition => partition !== undefined);
      this.tables[dataset.name] = declareParquetTable(this, dataset.name, {
        database: props.database,
        bucket: props.bucket,
        tableName: dataset.name,
        description: dataset.description,
        columns: [
          ...dataset.columns.map((column) => ({ name: column.name, type: glueType(column.type), comment: column.description })),
          ...(props.lineage ? lineageColumns() : []),
        ],
        partitionKeys:
          partitions.length > 0
            ? partitions.map((partition) => ({ name: partition.column, type: glue.Schema.STRING, comment: partitionComment(partition) }))
            : [versionPartitionKey()],
        s3Prefix: `${dataset.name}/`,
        parameters: { 'strata:primary_key': dataset.primaryKey.join(',') },
      });
    }
  }
}

export interface ParquetTableProps {
  readonly database: glue.IDatabase;
  /** The layer's bucket. */
  readonly bucket: s3.IBucket;
  readonly tableName: string;
  readonly description: string;
  readonly columns: glue.Column[];
  /** @default - unpartitioned */
  readonly partitionKeys?: glue.Column[];
  /** The table's folder in the bucket, ending in `/`. */
  readonly s3Prefix: string;
  /** @default - none */
  readonly partitionProjection?: glue.PartitionProjection;
  /** Table parameters besides the Parquet compression. @default - none */
  readonly parameters?: Record<string, string>;
}

/** A ZSTD Parquet table in a layer's bucket: the shape of every declared table of the platform. */
export function declareParquetTable(scope: Construct, id: string, props: ParquetTableProps): glue.S3Table {
  return new glue.S3Table(scope, id, {
    database: props.database,
    tableName: props.tableName,
    description: props.description,
    columns: props.columns,
    partitionKeys: props.partitionKeys,
    partitionProjection: props.partitionProjection,
    dataFormat: glue.DataFormat.PARQUET,
    compressed: true,
    storage: glue.S3TableStorage.fromBucket(props.bucket),
    s3Prefix: props.s3Prefix,
    parameters: { 'parquet.compression': 'ZSTD', ...props.parameters },
  });
}

/** The lineage columns every staged record carries and trusted rows keep, in their order (lake-layout.ts). */
export function lineageColumns(): glue.Column[] {
  return [
    { name: LINEAGE.ingestedAt, type: glue.Schema.STRING, comment: 'When the file was ingested (ISO 8601 UTC, milliseconds).' },
    { name: LINEAGE.sourceFile, type: glue.Schema.STRING, comment: 'The file as received: raw/<table>/ingest_date=<d>/<file>.csv.' },
    { name: LINEAGE.recordNumber, type: glue.Schema.BIG_INT, comment: 'Number of the record in its file, 1-based, the header not counted.' },
  ];
}

/** The one partition key of an unpartitioned table: its value is the commit whose version folder the partition points at. */
export function versionPartitionKey(): glue.Column {
  return { name: UNPARTITIONED_VERSION_KEY, type: glue.Schema.STRING, comment: 'The commit of the table\'s pointer (its one partition, repointed by each commit).' };
}

function glueType(type: ColumnType): glue.Type {
  switch (type) {
    case 'string':
      return glue.Schema.STRING;
    case 'int':
      return glue.Schema.INTEGER;
    case 'bigint':
      return glue.Schema.BIG_INT;
    case 'double':
      return glue.Schema.DOUBLE;
    case 'decimal(12,2)':
      return glue.Schema.decimal(12, 2);
    case 'timestamp':
      return glue.Schema.TIMESTAMP;
    case 'date':
      return glue.Schema.DATE;
    case 'boolean':
      return glue.Schema.BOOLEAN;
  }
}

function partitionComment(partition: PartitionDefinition): string {
  if (partition.kind === 'month') return `Month (yyyy-MM) of ${partition.derivedFrom}.`;
  if (partition.kind === 'date') return `Date (yyyy-MM-dd) of ${partition.derivedFrom}.`;
  return `Value of ${partition.derivedFrom}.`;
}
