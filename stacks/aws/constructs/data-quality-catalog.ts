import { RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { QUARANTINE_PREFIX, STAGED_REJECT_COLUMNS } from '../../../pipelines/contract/lake-layout.ts';
import { dqdlRuleset } from '../../../pipelines/quality/dqdl.ts';
import type { Catalog } from '../../../pipelines/workloads/registry.ts';
import { declareParquetTable, lineageColumns } from './catalog-tables.ts';

export interface DataQualityCatalogProps {
  /** The workloads' tables: its trusted ones are checked by rulesets and quarantined into; each needs its Glue table in `trustedTables`. */
  readonly catalog: Catalog;
  /** The trusted layer's database, which holds the tables the rulesets evaluate. */
  readonly trustedDatabase: glue.IDatabase;
  /** The declared trusted tables by dataset name (see CatalogTables). */
  readonly trustedTables: Readonly<Record<string, glue.ITable>>;
  /** The dataquality layer's database, which gets the quarantine and results tables. */
  readonly database: glue.IDatabase;
  /** The dataquality layer's bucket. */
  readonly bucket: s3.IBucket;
  /** Rulesets are named `<rulesetNamePrefix>-<table>`, e.g. `strata-prod-quality-orders`. */
  readonly rulesetNamePrefix: string;
  /**
   * The folder of each table's quarantine: `<quarantinePrefix><table>/`.
   * @default 'quarantine/' (QUARANTINE_PREFIX)
   */
  readonly quarantinePrefix?: string;
  /**
   * The folder of the quality check's results.
   * @default 'results/'
   */
  readonly resultsPrefix?: string;
}

/**
 * The name of the results table in the dataquality database: its folder,
 * `results`, as GlueTableCatalog names the table a pointer publishes to.
 */
export const QUALITY_RESULTS_TABLE = 'results';

/** What put a record in quarantine (`reason_kind`). */
export const QUARANTINE_REASON_KINDS = ['rule', 'unparseable', 'superseded', 'cascade'] as const;

/** The name of a dataset's quarantine table in the dataquality database (what the Athena query engine reads). */
export const quarantineTableName = (table: string) => `quarantine_${table}`;

/**
 * The catalog side of the data-quality layer:
 * - a Glue Data Quality ruleset per trusted table (the DQDL of
 *   pipelines/quality/dqdl.ts), so AWS users see and can run the same rules
 *   in the Glue console;
 * - `quarantine_<table>` per trusted table: the records the trusted build
 *   refused, as staged in raw (every column text), with why, the record as
 *   received where it could not be parsed, its lineage and the run that
 *   quarantined it; partitioned by `quarantine_date`;
 * - `results`: every rule's outcome per run, partitioned by `run_id`.
 * Like the trusted and refined tables (CatalogTables), they have no partition
 * projection: each commit registers its partitions at the version folders
 * its pointer names (GlueTableCatalog). ZSTD Parquet.
 */
export class DataQualityCatalog extends Construct {
  readonly rulesets: Record<string, glue.DataQualityRuleset> = {};
  readonly quarantineTables: Record<string, glue.S3Table> = {};
  readonly resultsTable: glue.S3Table;

  constructor(scope: Construct, id: string, props: DataQualityCatalogProps) {
    super(scope, id);
    const quarantinePrefix = props.quarantinePrefix ?? QUARANTINE_PREFIX;
    const resultsPrefix = props.resultsPrefix ?? 'results/';
    const layer = { database: props.database, bucket: props.bucket } as const;

    const rulesets = new Construct(this, 'Rulesets');
    const quarantine = new Construct(this, 'Quarantine');
    for (const dataset of props.catalog.trusted) {
      const target = props.trustedTables[dataset.name];
      if (!target) throw new Error(`DataQualityCatalog: no trusted table declared for dataset ${dataset.name}`);
      this.rulesets[dataset.name] = new glue.DataQualityRuleset(rulesets, dataset.name, {
        rulesetName: `${props.rulesetNamePrefix}-${dataset.name}`,
        description: `Data-quality rules of trusted ${dataset.name} (pipelines/quality); reconciliation and freshness run in the quality handler.`,
        dqdl: glue.Dqdl.fromString(dqdlRuleset(props.catalog, dataset)),
        // References the table (and so is created after it).
        targetTable: glue.DataQualityTargetTable.fromTable(props.trustedDatabase, target),
        // Rules are code, rebuilt from pipelines/quality on every deploy, and hold
        // no data (evaluation results are kept by Glue apart from the ruleset). A
        // retained ruleset would keep its name and block the next deploy's.
        removalPolicy: RemovalPolicy.DESTROY,
      });

      this.quarantineTables[dataset.name] = declareParquetTable(quarantine, dataset.name, {
        ...layer,
        tableName: quarantineTableName(dataset.name),
        description: `Records of ${dataset.name} the trusted build refused, as staged in raw, with why.`,
        columns: [
          // As staged in raw: a value that failed to parse is kept as it arrived.
          ...dataset.columns.map((column) => ({ name: column.name, type: glue.Schema.STRING, comment: column.description })),
          { name: 'reason', type: glue.Schema.STRING, comment: 'Why the record was refused (the rule, the parse error, what superseded it).' },
          { name: 'reason_kind', type: glue.Schema.STRING, comment: `What refused it: ${QUARANTINE_REASON_KINDS.join(', ')}.` },
          { name: STAGED_REJECT_COLUMNS.record, type: glue.Schema.STRING, comment: 'The record as received, where it could not be parsed into columns.' },
          { name: STAGED_REJECT_COLUMNS.recordBase64, type: glue.Schema.STRING, comment: 'The record\'s bytes in base64, where they could not be decoded.' },
          { name: STAGED_REJECT_COLUMNS.recordFile, type: glue.Schema.STRING, comment: 'Key in raw of the side file holding a record too long for a cell.' },
          ...lineageColumns(),
          { name: 'quarantined_run', type: glue.Schema.STRING, comment: 'The run that quarantined the record.' },
        ],
        partitionKeys: [{ name: 'quarantine_date', type: glue.Schema.STRING, comment: 'The day the record was quarantined (yyyy-MM-dd).' }],
        s3Prefix: `${quarantinePrefix}${dataset.name}/`,
      });
    }

    this.resultsTable = declareParquetTable(this, 'Results', {
      ...layer,
      tableName: QUALITY_RESULTS_TABLE,
      description: 'The outcome of every data-quality rule, per run of the process flow.',
      // The files also hold run_id; Athena reads Parquet by column name, and the
      // partition key supplies it (a table cannot declare it twice).
      columns: [
        { name: 'table_name', type: glue.Schema.STRING },
        { name: 'rule', type: glue.Schema.STRING },
        { name: 'severity', type: glue.Schema.STRING, comment: 'error (stops the flow) or warn (recorded).' },
        { name: 'passed', type: glue.Schema.BOOLEAN },
        { name: 'failing_rows', type: glue.Schema.BIG_INT },
      ],
      partitionKeys: [{ name: 'run_id', type: glue.Schema.STRING, comment: 'The Step Functions execution name of the run.' }],
      s3Prefix: resultsPrefix,
    });
  }
}
