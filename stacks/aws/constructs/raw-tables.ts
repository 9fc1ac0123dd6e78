import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INGEST_DATE_PARTITION, STAGED_REJECT_COLUMNS, stagedFolder, stagedRejectsFolder } from '../../../pipelines/contract/lake-layout.ts';
import type { DatasetDefinition } from '../../../pipelines/datasets/index.ts';
import { declareParquetTable, lineageColumns } from './catalog-tables.ts';

export interface RawTablesProps {
  /** The source datasets (those with a `sourceFile`) whose staged copies and rejects are declared. */
  readonly datasets: readonly DatasetDefinition[];
  /** The raw layer's Glue database. */
  readonly database: glue.IDatabase;
  /** The raw layer's bucket. */
  readonly bucket: s3.IBucket;
  /**
   * The first ingest date the projection covers (`yyyy-MM-dd`); it runs from
   * there to today, one partition a day.
   * @default '2016-01-01'
   */
  readonly firstIngestDate?: string;
}

/** The name of a dataset's staged-rejects table in the raw database. */
export const rawRejectsTableName = (table: string) => `${table}_rejects`;

/**
 * The raw layer as ingest stages it (pipelines/contract/lake-layout.ts), declared
 * from the dataset definitions instead of discovered by a crawler: per source
 * dataset,
 * - `<table>` over `staged/<table>/`: each received file parsed once into
 *   Parquet, every dataset column as text (as received), then the lineage
 *   columns;
 * - `<table>_rejects` over `rejects/<table>/`: the records the parser could
 *   not stage, with their reason, then the lineage columns.
 * Both are partitioned by `ingest_date`, projected by day (Athena computes
 * the folders; nothing registers partitions). Staged files are written once
 * and never replaced, so a folder listing is what was received.
 */
export class RawTables extends Construct {
  readonly staged: Record<string, glue.S3Table> = {};
  readonly rejects: Record<string, glue.S3Table> = {};

  constructor(scope: Construct, id: string, props: RawTablesProps) {
    super(scope, id);
    const firstIngestDate = props.firstIngestDate ?? '2016-01-01';
    const byDay = {
      partitionKeys: [{ name: INGEST_DATE_PARTITION, type: glue.Schema.STRING, comment: 'The day the file was ingested (yyyy-MM-dd, UTC).' }],
      partitionProjection: {
        [INGEST_DATE_PARTITION]: glue.PartitionProjectionConfiguration.date({
          min: firstIngestDate,
          max: 'NOW',
          format: 'yyyy-MM-dd',
          step: { interval: 1, intervalUnit: glue.DateIntervalUnit.DAYS },
        }),
      },
    };
    const template = (folder: string) => ({ 'storage.location.template': `s3://${props.bucket.bucketName}/${folder}${INGEST_DATE_PARTITION}=\${${INGEST_DATE_PARTITION}}/` });

    const staged = new Construct(this, 'Staged');
    const rejects = new Construct(this, 'Rejects');
    for (const dataset of props.datasets) {
      if (dataset.sourceFile === undefined) throw new Error(`RawTables: dataset ${dataset.name} has no sourceFile; only source datasets are staged in raw`);
      this.staged[dataset.name] = declareParquetTable(staged, dataset.name, {
        ...byDay,
        database: props.database,
        bucket: props.bucket,
        tableName: dataset.name,
        description: `${dataset.sourceFile} as received, parsed once: every column as text, with its lineage.`,
        columns: [...dataset.columns.map((column) => ({ name: column.name, type: glue.Schema.STRING, comment: column.description })), ...lineageColumns()],
        s3Prefix: stagedFolder(dataset.name),
        parameters: template(stagedFolder(dataset.name)),
      });
      this.rejects[dataset.name] = declareParquetTable(rejects, dataset.name, {
        ...byDay,
        database: props.database,
        bucket: props.bucket,
        tableName: rawRejectsTableName(dataset.name),
        description: `Records of ${dataset.sourceFile} the parser could not stage, with the reason.`,
        columns: [
          { name: STAGED_REJECT_COLUMNS.record, type: glue.Schema.STRING, comment: 'The record as received, decoded; null when it could not be decoded or is in record_file.' },
          { name: STAGED_REJECT_COLUMNS.recordBase64, type: glue.Schema.STRING, comment: 'The record\'s bytes in base64, when they could not be decoded.' },
          { name: STAGED_REJECT_COLUMNS.recordFile, type: glue.Schema.STRING, comment: 'Key in raw of the side file holding a record too long for a cell.' },
          { name: STAGED_REJECT_COLUMNS.reason, type: glue.Schema.STRING, comment: 'Why the parser could not stage the record.' },
          ...lineageColumns(),
        ],
        s3Prefix: stagedRejectsFolder(dataset.name),
        parameters: template(stagedRejectsFolder(dataset.name)),
      });
    }
  }
}
