import { RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DatasetDefinition } from '../../../pipelines/datasets/index.ts';
import { dqdlRuleset } from '../../../pipelines/quality/dqdl.ts';

export interface DataQualityCatalogProps {
  /** The trusted tables checked by rulesets and quarantined into; each needs its Glue table in `trustedTables`. */
  readonly datasets: readonly DatasetDefinition[];
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
   * Where the trusted build writes each table's quarantined rows: `<quarantinePrefix><table>/`.
   * @default 'quarantine/'
   */
  readonly quarantinePrefix?: string;
  /**
   * Where the quality check writes each run's results: `<resultsPrefix>run_id=<run id>/`.
   * @default 'results/'
   */
  readonly resultsPrefix?: string;
}

/** The name of the results table in the dataquality database. */
export const QUALITY_RESULTS_TABLE = 'quality_results';

/** The name of a dataset's quarantine table in the dataquality database (what the Athena query engine reads). */
export const quarantineTableName = (table: string) => `quarantine_${table}`;

/**
 * The catalog side of the data-quality layer:
 * - a Glue Data Quality ruleset per trusted table (the DQDL of
 *   pipelines/quality/dqdl.ts), so AWS users see and can run the same rules
 *   in the Glue console;
 * - `quarantine_<table>` per trusted table: the rows the trusted build
 *   refused, as read from raw (every column text) with `reason`,
 *   `source_file` and `raw_line`;
 * - `quality_results`: every rule's outcome per run, partitioned by `run_id`.
 * The layouts are the ones the handlers write with Athena UNLOAD (ZSTD Parquet).
 */
export class DataQualityCatalog extends Construct {
  readonly rulesets: Record<string, glue.DataQualityRuleset> = {};
  readonly quarantineTables: Record<string, glue.S3Table> = {};
  readonly resultsTable: glue.S3Table;

  constructor(scope: Construct, id: string, props: DataQualityCatalogProps) {
    super(scope, id);
    const quarantinePrefix = props.quarantinePrefix ?? 'quarantine/';
    const resultsPrefix = props.resultsPrefix ?? 'results/';
    const storage = glue.S3TableStorage.fromBucket(props.bucket);
    const parquet = { dataFormat: glue.DataFormat.PARQUET, compressed: true, storage } as const;

    const rulesets = new Construct(this, 'Rulesets');
    const quarantine = new Construct(this, 'Quarantine');
    for (const dataset of props.datasets) {
      const target = props.trustedTables[dataset.name];
      if (!target) throw new Error(`DataQualityCatalog: no trusted table declared for dataset ${dataset.name}`);
      this.rulesets[dataset.name] = new glue.DataQualityRuleset(rulesets, dataset.name, {
        rulesetName: `${props.rulesetNamePrefix}-${dataset.name}`,
        description: `Data-quality rules of trusted ${dataset.name} (pipelines/quality); reconciliation and freshness run in the quality handler.`,
        dqdl: glue.Dqdl.fromString(dqdlRuleset(dataset)),
        // References the table (and so is created after it).
        targetTable: glue.DataQualityTargetTable.fromTable(props.trustedDatabase, target),
        // Rules are code, rebuilt from pipelines/quality on every deploy, and hold
        // no data (evaluation results are kept by Glue apart from the ruleset). A
        // retained ruleset would keep its name and block the next deploy's.
        removalPolicy: RemovalPolicy.DESTROY,
      });

      this.quarantineTables[dataset.name] = new glue.S3Table(quarantine, dataset.name, {
        ...parquet,
        database: props.database,
        tableName: quarantineTableName(dataset.name),
        description: `Rows of ${dataset.name} the trusted build refused, as read from raw, with the rule that refused them.`,
        columns: [
          // As read from raw: a value that failed to parse is kept as it arrived.
          ...dataset.columns.map((column) => ({ name: column.name, type: glue.Schema.STRING, comment: column.description })),
          { name: 'reason', type: glue.Schema.STRING, comment: 'The rule the row failed.' },
          { name: 'source_file', type: glue.Schema.STRING, comment: 'The raw object the row was read from.' },
          { name: 'raw_line', type: glue.Schema.STRING, comment: 'The line as received, where the reader could not split it into fields.' },
        ],
        s3Prefix: `${quarantinePrefix}${dataset.name}/`,
        parameters: { 'parquet.compression': 'ZSTD' },
      });
    }

    const resultsLocation = `s3://${props.bucket.bucketName}/${resultsPrefix}`;
    this.resultsTable = new glue.S3Table(this, 'Results', {
      ...parquet,
      database: props.database,
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
      // Run ids are execution names, unknown in advance and unbounded, so no
      // enum, integer or date projection fits, and nothing registers partitions
      // (no crawler runs over this layer, the handler only writes files).
      // Injected projection needs neither: Athena takes the run ids from the
      // query. The price is that every query names its runs
      // (`where run_id = '...'` or `run_id in (...)`), which is how results are
      // read: per run, by the run report and by whoever follows an alarm.
      partitionProjection: { run_id: glue.PartitionProjectionConfiguration.injected() },
      s3Prefix: resultsPrefix,
      parameters: {
        'parquet.compression': 'ZSTD',
        // Hive-style folders, as the quality handler writes them.
        'storage.location.template': `${resultsLocation}run_id=\${run_id}/`,
      },
    });
  }
}
