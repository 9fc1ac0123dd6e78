import { App as CdkApp, Stack as CdkStack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_CLASSES } from '../../../config/schema.ts';
import { HANDLER_ACCESS } from '../../../pipelines/access.ts';
import { INGEST_DATE_PARTITION, LINEAGE_COLUMNS, STAGED_REJECT_COLUMNS, stagedFolder, stagedRejectsFolder } from '../../../pipelines/contract/lake-layout.ts';
import { DATASETS, datasetNamed } from '../../support/catalog.ts';
import { type DatasetDefinition } from '../../../pipelines/datasets/index.ts';
import { RawTables as AwsRawTables, rawRejectsTableName as awsRejectsTableName } from '../../../stacks/aws/constructs/raw-tables.ts';
import { catalogName, WORKSPACE_OUTPUTS } from '../../../stacks/azure/workspace-stack.ts';
import { RawTables } from '../../../stacks/azure/workspace/raw-tables.ts';
import { environmentNamed } from '../../support/environments.ts';
import { resourcesOf, synthStacks, type TfJson } from './synth-helpers.ts';

/** The source datasets, as the definitions list them: what raw must declare. */
const sources = DATASETS.filter((dataset) => dataset.sourceFile !== undefined);
const RAW_URL = 'abfss://raw@${data.terraform_remote_state.platform.outputs.storage_account_name}.dfs.core.windows.net/';

/** Synthesized once for the file. */
let prod: TfJson;
beforeAll(() => {
  prod = synthStacks(environmentNamed('prod')).workspace;
});

const tables = (workspace: TfJson) => resourcesOf(workspace, 'databricks_sql_table');
const staged = (workspace: TfJson, name: string) => tables(workspace)[`raw_staged_${name}`]!;
const rejects = (workspace: TfJson, name: string) => tables(workspace)[`raw_rejects_${name}`]!;
const columnsOf = (table: TfJson) => (table.column as TfJson[]).map(({ name, type }) => ({ name, type }));
const principal = (owner: string) => `\${databricks_service_principal.principal_${owner}.application_id}`;

/** Who should read raw's tables, from access.ts: the SQL-running handlers that read all of raw (BI reads refined only). */
const rawReaders = HANDLER_CLASSES.filter((handlerClass) => {
  const access = HANDLER_ACCESS[handlerClass];
  return access.queries && access.reads.some((grant) => grant.layer === 'raw' && (grant.prefix ?? '') === '');
});

/** The AWS Glue declaration of raw, built once: the Azure tables must hold the same columns, types and partitions. */
function awsRawTables(): AwsRawTables {
  const stack = new CdkStack(new CdkApp(), 'Parity', { env: { account: '123456789012', region: 'eu-west-1' } });
  return new AwsRawTables(stack, 'Raw', {
    datasets: sources,
    database: new glue.Database(stack, 'Db', { databaseName: 'raw' }),
    bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'raw-bucket'),
  });
}
const glueColumns = (table: glue.S3Table) =>
  [...table.columns, ...(table.partitionKeys ?? [])].map((column) => ({ name: column.name, type: column.type.inputString }));

describe('Azure raw tables (Unity Catalog)', () => {
  describe('the catalog', () => {
    it('is the environment\'s, strata_<env>, output for the handlers and BI', () => {
      expect(resourcesOf(prod, 'databricks_catalog').catalog?.name).toBe('strata_prod');
      expect(catalogName(environmentNamed('dev'))).toBe('strata_dev');
      expect(prod.output[WORKSPACE_OUTPUTS.catalogName].value).toBe('${databricks_catalog.catalog.name}');
    });

    it('has a managed location of its own in the dataquality container, under its external location, apart from every table', () => {
      const catalog = resourcesOf(prod, 'databricks_catalog').catalog!;
      expect(catalog.storage_root).toBe('abfss://dataquality@${data.terraform_remote_state.platform.outputs.storage_account_name}.dfs.core.windows.net/_unity_catalog/');
      expect(catalog.depends_on).toContain('databricks_external_location.location_dataquality');
      for (const table of Object.values(tables(prod))) expect(table.storage_location.startsWith(RAW_URL)).toBe(true);
    });

    it('holds one schema, raw', () => {
      expect(resourcesOf(prod, 'databricks_schema')).toEqual({
        raw_schema: expect.objectContaining({ catalog_name: '${databricks_catalog.catalog.name}', name: 'raw' }),
      });
    });
  });

  describe('the tables', () => {
    it('are, per source dataset in the definitions, its staged table and its rejects table, and nothing else', () => {
      expect(sources.length).toBeGreaterThan(0);
      expect(Object.keys(tables(prod)).sort()).toEqual(sources.flatMap((dataset) => [`raw_staged_${dataset.name}`, `raw_rejects_${dataset.name}`]).sort());
      for (const dataset of sources) {
        expect(staged(prod, dataset.name).name).toBe(dataset.name);
        expect(rejects(prod, dataset.name).name).toBe(`${dataset.name}_rejects`);
      }
    });

    it.each(sources.map((dataset) => dataset.name))('%s: every dataset column as text, then the lineage, then ingest_date, over staged/<table>/', (name) => {
      const dataset = datasetNamed(name, 'trusted');
      const table = staged(prod, name);
      expect(columnsOf(table).map((column) => column.name)).toEqual([...dataset.columns.map((column) => column.name), ...LINEAGE_COLUMNS, INGEST_DATE_PARTITION]);
      expect(columnsOf(table).filter((column) => column.type !== 'string')).toEqual([{ name: '_record_number', type: 'bigint' }]);
      expect(table.column[0].comment).toBe(dataset.columns[0]!.description);
      expect(table.storage_location).toBe(`${RAW_URL}${stagedFolder(name)}`);
      expect(table.storage_location).toBe(`${RAW_URL}staged/${name}/`);
    });

    it.each(sources.map((dataset) => dataset.name))('%s_rejects: record, record_base64, record_file, reason, the lineage, then ingest_date, over rejects/<table>/', (name) => {
      const table = rejects(prod, name);
      expect(columnsOf(table).map((column) => column.name)).toEqual([...Object.values(STAGED_REJECT_COLUMNS), ...LINEAGE_COLUMNS, INGEST_DATE_PARTITION]);
      expect(Object.values(STAGED_REJECT_COLUMNS)).toEqual(['record', 'record_base64', 'record_file', 'reason']);
      expect(table.storage_location).toBe(`${RAW_URL}${stagedRejectsFolder(name)}`);
      expect(table.storage_location).toBe(`${RAW_URL}rejects/${name}/`);
    });

    it('are external Parquet tables partitioned by ingest_date, read by listing their folders (partition metadata logging off)', () => {
      for (const table of Object.values(tables(prod))) {
        expect(table).toMatchObject({
          catalog_name: '${databricks_catalog.catalog.name}',
          schema_name: '${databricks_schema.raw_schema.name}',
          table_type: 'EXTERNAL',
          data_source_format: 'PARQUET',
          partitions: ['ingest_date'],
          properties: { partitionMetadataEnabled: 'false' },
        });
        // Spark keeps partition columns last; declared elsewhere, the provider would see a reordering.
        expect((table.column as TfJson[]).at(-1)).toMatchObject({ name: 'ingest_date', type: 'string' });
      }
    });

    it('use Spark type names (string, never varchar) from sql-types.ts', () => {
      const types = new Set(Object.values(tables(prod)).flatMap((table) => (table.column as TfJson[]).map((column) => column.type as string)));
      expect([...types].sort()).toEqual(['bigint', 'string']);
    });

    it('run their DDL on the pipelines warehouse, after the raw location and the readers\' grants exist', () => {
      for (const table of Object.values(tables(prod))) {
        expect(table.warehouse_id).toBe('${databricks_sql_endpoint.pipelines.id}');
        expect(table.depends_on).toEqual(expect.arrayContaining(['databricks_external_location.location_raw', 'databricks_grants.catalog_grants', 'databricks_grants.raw_schema_grants']));
      }
    });

    it('hold the same columns, types and partition key as the AWS Glue raw tables', () => {
      const aws = awsRawTables();
      for (const dataset of sources) {
        expect(columnsOf(staged(prod, dataset.name)), dataset.name).toEqual(glueColumns(aws.staged[dataset.name]!));
        expect(columnsOf(rejects(prod, dataset.name)), `${dataset.name}_rejects`).toEqual(glueColumns(aws.rejects[dataset.name]!));
        expect(rejects(prod, dataset.name).name).toBe(awsRejectsTableName(dataset.name));
      }
    });
  });

  describe('grants', () => {
    it('give the handlers that read raw USE_CATALOG on the catalog and USE_SCHEMA, SELECT on the raw schema', () => {
      expect(rawReaders.length).toBeGreaterThan(0);
      const grants = resourcesOf(prod, 'databricks_grants');
      expect(grants.catalog_grants).toEqual({
        catalog: '${databricks_catalog.catalog.name}',
        grant: rawReaders.map((owner) => ({ principal: principal(owner), privileges: ['USE_CATALOG'] })),
      });
      expect(grants.raw_schema_grants).toEqual({
        schema: '${databricks_schema.raw_schema.id}',
        grant: rawReaders.map((owner) => ({ principal: principal(owner), privileges: ['USE_SCHEMA', 'SELECT'] })),
      });
    });

    it('give no reader more than its READ_FILES on the raw location already allows, and BI nothing (it reads refined only)', () => {
      const grants = resourcesOf(prod, 'databricks_grants');
      const rawFileReaders = (grants.location_raw_grants!.grant as TfJson[]).filter((grant) => grant.privileges.includes('READ_FILES')).map((grant) => grant.principal);
      for (const grant of grants.raw_schema_grants!.grant as TfJson[]) expect(rawFileReaders).toContain(grant.principal);
      for (const id of ['catalog_grants', 'raw_schema_grants']) {
        expect((grants[id]!.grant as TfJson[]).map((grant) => grant.principal), id).not.toContain(principal('bi'));
      }
      // Table-level grants would be redundant: SELECT on the schema covers each table, including one added later.
      expect(Object.values(grants).filter((grant) => grant.table !== undefined)).toEqual([]);
    });
  });

  describe('the construct', () => {
    const extra: DatasetDefinition = {
      name: 'zz_added',
      layer: 'trusted',
      description: 'A dataset added to the definitions.',
      sourceFile: 'zz_added.csv',
      columns: [
        { name: 'zz_id', type: 'int', description: 'Identifier.' },
        { name: 'zz_at', type: 'timestamp', description: 'When.' },
      ],
      primaryKey: ['zz_id'],
    } as DatasetDefinition;
    const synthWith = (datasets: readonly DatasetDefinition[], readers?: string[]): TfJson =>
      JSON.parse(
        Testing.synthScope((scope) => {
          new RawTables(scope, 'raw_tables', { datasets, catalogName: 'strata_test', rawUrl: 'abfss://raw@acct.dfs.core.windows.net/', warehouseId: 'wh', readers });
        }),
      ) as TfJson;

    it('declares a dataset added to the definitions, derived from its columns', () => {
      const synthesized = synthWith([...sources, extra], ['app-id']);
      expect(Object.keys(tables(synthesized))).toHaveLength(2 * (sources.length + 1));
      expect(staged(synthesized, 'zz_added')).toMatchObject({
        name: 'zz_added',
        storage_location: 'abfss://raw@acct.dfs.core.windows.net/staged/zz_added/',
        partitions: ['ingest_date'],
      });
      expect(columnsOf(staged(synthesized, 'zz_added'))).toEqual([
        { name: 'zz_id', type: 'string' },
        { name: 'zz_at', type: 'string' },
        { name: '_ingested_at', type: 'string' },
        { name: '_source_file', type: 'string' },
        { name: '_record_number', type: 'bigint' },
        { name: 'ingest_date', type: 'string' },
      ]);
      expect(rejects(synthesized, 'zz_added')).toMatchObject({ name: 'zz_added_rejects', storage_location: 'abfss://raw@acct.dfs.core.windows.net/rejects/zz_added/' });
    });

    it('creates no grants resource without readers, and refuses a dataset that is not staged in raw', () => {
      expect(resourcesOf(synthWith(sources), 'databricks_grants')).toEqual({});
      const built = datasetNamed(DATASETS.find((dataset) => dataset.sourceFile === undefined)!.name);
      expect(() => synthWith([built])).toThrow(/has no sourceFile/);
    });
  });
});
