/**
 * The raw layer as ingest stages it (pipelines/contract/lake-layout.ts),
 * declared in Unity Catalog from the dataset definitions, as the AWS stack
 * declares it in Glue (stacks/aws/constructs/raw-tables.ts): a `raw` schema
 * and, per source dataset,
 * - `<table>`, an external Parquet table over `staged/<table>/`: each received
 *   file parsed once, every dataset column as text (as received), then the
 *   lineage columns;
 * - `<table>_rejects` over `rejects/<table>/`: the records the parser could
 *   not stage, with their reason, then the lineage columns.
 * Both are partitioned by `ingest_date` (the `ingest_date=<d>/` folders).
 *
 * Partitions are discovered, never registered: Unity Catalog lists a non-Delta
 * external table's folder at query time unless partition metadata logging is
 * on, in which case only registered partitions are read
 * (https://learn.microsoft.com/azure/databricks/tables/external-partition-discovery).
 * Databricks says logging will become the default, so every table pins it off
 * (`partitionMetadataEnabled = false`): a new `ingest_date=` folder is read by
 * the next query, as Glue partition projection does on AWS, and no step runs
 * `MSCK REPAIR TABLE` or `ALTER TABLE ... ADD PARTITION`. Staged files are
 * written once and never replaced, so a folder listing is what was received.
 *
 * The DDL runs on a SQL warehouse (`warehouseId`); without one the provider
 * would create and start a cluster of its own for it.
 */
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Grants } from '@cdktf/provider-databricks/lib/grants/index.js';
import { Schema } from '@cdktf/provider-databricks/lib/schema/index.js';
import { SqlTable, type SqlTableColumn } from '@cdktf/provider-databricks/lib/sql-table/index.js';
import { INGEST_DATE_PARTITION, LINEAGE, STAGED_REJECT_COLUMNS, stagedFolder, stagedRejectsFolder } from '../../../pipelines/contract/lake-layout.ts';
import { SQL_TYPES } from '../../../pipelines/contract/sql-types.ts';
import type { ColumnType, DatasetDefinition } from '../../../pipelines/datasets/index.ts';

export interface RawTablesProps {
  /** The source datasets (those with a `sourceFile`) whose staged copies and rejects are declared. */
  readonly datasets: readonly DatasetDefinition[];
  /** The Unity Catalog catalog the `raw` schema is created in. */
  readonly catalogName: string;
  /** The raw layer container as Unity Catalog addresses it: `abfss://raw@<account>.dfs.core.windows.net/`. */
  readonly rawUrl: string;
  /** The SQL warehouse the provider runs the tables' DDL on. */
  readonly warehouseId: string;
  /**
   * Principals (service principal application ids) that read the tables: USE_SCHEMA and SELECT on the schema,
   * so on every table in it. The catalog's USE_CATALOG is the catalog owner's to grant.
   * @default - none: no grants resource, only the owner reads
   */
  readonly readers?: readonly string[];
  /**
   * Name of the schema.
   * @default 'raw'
   */
  readonly schemaName?: string;
  /**
   * What the tables need but do not reference: the external location over the raw container (a LOCATION must lie
   * inside one), and the catalog's grants (a reader's path reads under a table's folder are checked against the table).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** The name of a dataset's staged-rejects table in the raw schema (as on AWS). */
export const rawRejectsTableName = (table: string) => `${table}_rejects`;

/** Unity Catalog does not list partitions of a table with this property `false`: it reads the folders (see the file comment). */
export const PARTITION_METADATA_PROPERTY = 'partitionMetadataEnabled';

/** Privileges a reader of the raw schema gets. */
export const RAW_READER_PRIVILEGES = ['USE_SCHEMA', 'SELECT'] as const;

const spark = (type: ColumnType): string => SQL_TYPES.spark[type] ?? type;

type LineageColumn = (typeof LINEAGE)[keyof typeof LINEAGE];
type RejectColumn = (typeof STAGED_REJECT_COLUMNS)[keyof typeof STAGED_REJECT_COLUMNS];

/** The lineage columns, in their order (lake-layout.ts), typed as the staged files hold them. */
const LINEAGE_COLUMNS: readonly { name: LineageColumn; type: ColumnType; comment: string }[] = [
  { name: LINEAGE.ingestedAt, type: 'string', comment: 'When the file was ingested (ISO 8601 UTC, milliseconds).' },
  { name: LINEAGE.sourceFile, type: 'string', comment: 'The file as received: raw/<table>/ingest_date=<d>/<file>.csv.' },
  { name: LINEAGE.recordNumber, type: 'bigint', comment: 'Number of the record in its file, 1-based, the header not counted.' },
];

/** The columns of a rejects file before the lineage, in their order, all text. */
const REJECT_COLUMNS: readonly { name: RejectColumn; comment: string }[] = [
  { name: STAGED_REJECT_COLUMNS.record, comment: 'The record as received, decoded; null when it could not be decoded or is in record_file.' },
  { name: STAGED_REJECT_COLUMNS.recordBase64, comment: "The record's bytes in base64, when they could not be decoded." },
  { name: STAGED_REJECT_COLUMNS.recordFile, comment: 'Key in raw of the side file holding a record too long for a cell.' },
  { name: STAGED_REJECT_COLUMNS.reason, comment: 'Why the parser could not stage the record.' },
];

/** The lineage columns as Unity Catalog columns. */
export function lineageColumns(): SqlTableColumn[] {
  return LINEAGE_COLUMNS.map(({ name, type, comment }) => ({ name, type: spark(type), comment }));
}

/**
 * The partition column, last: Spark keeps a data source table's partition columns after the others, so
 * declaring it anywhere else would read back as a reordering the provider would try to apply.
 */
export function ingestDateColumn(): SqlTableColumn {
  return { name: INGEST_DATE_PARTITION, type: spark('string'), comment: 'The day the file was ingested (yyyy-MM-dd, UTC).' };
}

/** A staged table's columns: every dataset column as text, the lineage, then `ingest_date`. */
export function stagedColumns(dataset: DatasetDefinition): SqlTableColumn[] {
  return [
    ...dataset.columns.map((column) => ({ name: column.name, type: spark('string'), comment: column.description })),
    ...lineageColumns(),
    ingestDateColumn(),
  ];
}

/** A rejects table's columns: the record and its reason, the lineage, then `ingest_date`. */
export function rejectsColumns(): SqlTableColumn[] {
  return [...REJECT_COLUMNS.map(({ name, comment }) => ({ name, type: spark('string'), comment })), ...lineageColumns(), ingestDateColumn()];
}

export class RawTables extends Construct {
  readonly schema: Schema;
  readonly staged: Record<string, SqlTable> = {};
  readonly rejects: Record<string, SqlTable> = {};
  /** USE_SCHEMA and SELECT for the readers; only when there are readers. */
  readonly grants?: Grants;

  constructor(scope: Construct, id: string, props: RawTablesProps) {
    super(scope, id);
    const readers = props.readers ?? [];
    const schemaName = props.schemaName ?? 'raw';
    if (!props.rawUrl.endsWith('/')) throw new Error(`RawTables: rawUrl ${props.rawUrl} must end with /`);

    this.schema = new Schema(this, 'schema', {
      catalogName: props.catalogName,
      name: schemaName,
      comment: 'The raw layer as ingest stages it: per source dataset, its staged Parquet copies and its rejects, partitioned by ingest date.',
    });
    // Stable, readable names in the plan and the state, whatever construct holds them.
    this.schema.overrideLogicalId(`${schemaName}_schema`);

    if (readers.length > 0) {
      // databricks_grants is authoritative per securable: this is everyone's access to the schema.
      this.grants = new Grants(this, 'grants', {
        schema: this.schema.id,
        grant: readers.map((principal) => ({ principal, privileges: [...RAW_READER_PRIVILEGES] })),
      });
      this.grants.overrideLogicalId(`${schemaName}_schema_grants`);
    }

    const table = (logicalId: string, name: string, folder: string, comment: string, column: SqlTableColumn[]): SqlTable => {
      const resource = new SqlTable(this, logicalId, {
        catalogName: props.catalogName,
        schemaName: this.schema.name,
        name,
        tableType: 'EXTERNAL',
        dataSourceFormat: 'PARQUET',
        storageLocation: `${props.rawUrl}${folder}`,
        column,
        partitions: [INGEST_DATE_PARTITION],
        properties: { [PARTITION_METADATA_PROPERTY]: 'false' },
        comment,
        warehouseId: props.warehouseId,
        // The readers' grants first: once a table is over a folder, reading that folder by path needs them.
        dependsOn: [...(props.dependsOn ?? []), ...(this.grants ? [this.grants] : [])],
      });
      resource.overrideLogicalId(logicalId);
      return resource;
    };

    for (const dataset of props.datasets) {
      if (dataset.sourceFile === undefined) throw new Error(`RawTables: dataset ${dataset.name} has no sourceFile; only source datasets are staged in raw`);
      this.staged[dataset.name] = table(
        `${schemaName}_staged_${dataset.name}`,
        dataset.name,
        stagedFolder(dataset.name),
        `${dataset.sourceFile} as received, parsed once: every column as text, with its lineage.`,
        stagedColumns(dataset),
      );
      this.rejects[dataset.name] = table(
        `${schemaName}_rejects_${dataset.name}`,
        rawRejectsTableName(dataset.name),
        stagedRejectsFolder(dataset.name),
        `Records of ${dataset.sourceFile} the parser could not stage, with the reason.`,
        rejectsColumns(),
      );
    }
  }
}
