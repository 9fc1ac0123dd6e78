import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ColumnType, DatasetDefinition, PartitionDefinition } from '../../../pipelines/datasets/index.ts';

export interface CatalogTablesProps {
  /** The tables to declare, all of one layer. */
  readonly datasets: readonly DatasetDefinition[];
  /** The layer's Glue database. */
  readonly database: glue.IDatabase;
  /** The layer's bucket; each table lives under `<table>/`. */
  readonly bucket: s3.IBucket;
}

/**
 * Glue tables declared from dataset definitions rather than discovered by a
 * crawler: the schema is reviewed in code, and partition projection lets
 * Athena find partitions without crawls or `MSCK REPAIR`.
 */
export class CatalogTables extends Construct {
  readonly tables: Record<string, glue.S3Table> = {};

  constructor(scope: Construct, id: string, props: CatalogTablesProps) {
    super(scope, id);
    for (const dataset of props.datasets) {
      const partitions = [dataset.partition, dataset.subPartition].filter((partition): partition is PartitionDefinition => partition !== undefined);
      this.tables[dataset.name] = new glue.S3Table(this, dataset.name, {
        database: props.database,
        tableName: dataset.name,
        description: dataset.description,
        columns: dataset.columns.map((column) => ({ name: column.name, type: glueType(column.type), comment: column.description })),
        partitionKeys: partitions.length > 0 ? partitions.map((partition) => ({ name: partition.column, type: glue.Schema.STRING, comment: partitionComment(partition) })) : undefined,
        partitionProjection: partitions.length > 0 ? Object.fromEntries(partitions.map((partition) => [partition.column, projection(partition)])) : undefined,
        dataFormat: glue.DataFormat.PARQUET,
        compressed: true,
        storage: glue.S3TableStorage.fromBucket(props.bucket),
        s3Prefix: `${dataset.name}/`,
        parameters: { 'parquet.compression': 'ZSTD', 'strata:primary_key': dataset.primaryKey.join(',') },
      });
    }
  }
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

function projection(partition: PartitionDefinition): glue.PartitionProjectionConfiguration {
  switch (partition.kind) {
    case 'month':
      return glue.PartitionProjectionConfiguration.date({
        min: partition.firstMonth,
        max: 'NOW',
        format: 'yyyy-MM',
        step: { interval: 1, intervalUnit: glue.DateIntervalUnit.MONTHS },
      });
    case 'date':
      // Snapshots and scoring dates are first days of months.
      return glue.PartitionProjectionConfiguration.date({
        min: partition.firstDate,
        max: 'NOW',
        format: 'yyyy-MM-dd',
        step: { interval: 1, intervalUnit: glue.DateIntervalUnit.MONTHS },
      });
    case 'enum':
      return glue.PartitionProjectionConfiguration.enum({ values: [...partition.values] });
  }
}

function partitionComment(partition: PartitionDefinition): string {
  if (partition.kind === 'month') return `Month (yyyy-MM) of ${partition.derivedFrom}.`;
  if (partition.kind === 'date') return `Date (yyyy-MM-dd) of ${partition.derivedFrom}.`;
  return `Value of ${partition.derivedFrom}.`;
}
