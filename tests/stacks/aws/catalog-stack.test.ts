import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, type Environment, type Layer } from '../../../config/schema.ts';
import { AthenaQueryEngine } from '../../../lambdas/adapters/aws/athena-query-engine.ts';
import type { ObjectStore } from '../../../lambdas/ports/object-store.ts';
import { DATASETS, FEATURE_DATASETS, ML_DATASETS, OLIST_DATASETS, REFINED_DATASETS } from '../../../pipelines/datasets/index.ts';
import { dqdlRuleset } from '../../../pipelines/quality/dqdl.ts';
import { addPlatform, createAwsApp } from '../../../stacks/aws/aws-app.ts';
import { environmentNamed, environmentWith, TEST_VERSION } from '../../support/environments.ts';

/** The whole platform synthesized (cdk-nag included) without Lambda bundling, which the catalog does not need. */
function synthCatalog(environment: Environment): { templates: { catalog: Template } } {
  const app = createAwsApp({ outdir: mkdtempSync(join(tmpdir(), 'strata-catalog-')), bundle: false });
  const stacks = addPlatform(app, environment, TEST_VERSION);
  app.synth();
  return { templates: { catalog: Template.fromStack(stacks.catalog) } };
}

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

describe('catalog stack', () => {
  const prod = environmentNamed('prod');
  let aws: { templates: { catalog: Template } };
  beforeAll(() => {
    aws = synthCatalog(prod);
  });

  const tables = () => Object.values(aws.templates.catalog.findResources('AWS::Glue::Table')) as Resource[];
  const tableNamed = (name: string) => tables().find((table) => table.Properties.TableInput.Name === name)!;
  /** The layer whose database a table or ruleset reference points at. */
  const layerOf = (reference: { Ref: string }): Layer => {
    const database = aws.templates.catalog.toJSON().Resources[reference.Ref] as Resource;
    return database.Properties.DatabaseInput.Name.replace(/^strata_prod_/, '') as Layer;
  };
  const tablesIn = (layer: Layer) => tables().filter((table) => layerOf(table.Properties.DatabaseName) === layer);

  it('declares one Glue database per layer', () => {
    const names = Object.values(aws.templates.catalog.findResources('AWS::Glue::Database')).map((database) => database.Properties.DatabaseInput.Name);
    expect(names.sort()).toEqual(LAYERS.map((layer) => `strata_prod_${layer}`).sort());
  });

  it('crawls the raw layer, and only it, on the schedule from the environment file', () => {
    const crawler = Object.values(aws.templates.catalog.findResources('AWS::Glue::Crawler'));
    expect(crawler).toHaveLength(1);
    expect(crawler[0]!.Properties).toMatchObject({
      DatabaseName: 'strata_prod_raw',
      Schedule: { ScheduleExpression: prod.catalog.crawlerSchedule },
      Targets: { S3Targets: [{ Path: { 'Fn::Join': ['', ['s3://strata-prod-raw-', { Ref: 'AWS::AccountId' }, '-eu-west-1/']] }, Exclusions: ['landing/**', '_*/**'] }] },
    });
  });

  it('follows a changed crawler schedule', () => {
    const environment = environmentWith('prod', (document) => {
      document.catalog.crawlerSchedule = 'cron(0 2 * * ? *)';
    });
    synthCatalog(environment).templates.catalog.hasResourceProperties('AWS::Glue::Crawler', { Schedule: { ScheduleExpression: 'cron(0 2 * * ? *)' } });
  });

  it('encrypts what the crawler writes with a security configuration on the platform key', () => {
    const configurations = Object.values(aws.templates.catalog.findResources('AWS::Glue::SecurityConfiguration'));
    expect(configurations).toHaveLength(1);
    const encryption = configurations[0]!.Properties.EncryptionConfiguration;
    expect(encryption.S3Encryptions[0].S3EncryptionMode).toBe('SSE-KMS');
    expect(encryption.CloudWatchEncryption.CloudWatchEncryptionMode).toBe('SSE-KMS');
    expect(encryption.JobBookmarksEncryption.JobBookmarksEncryptionMode).toBe('CSE-KMS');
  });

  it('owns the crawler\'s encrypted log group, kept for the configured retention', () => {
    const groups = Object.values(aws.templates.catalog.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Properties.RetentionInDays).toBe(prod.retention.logRetentionDays);
    expect(groups[0]!.Properties.KmsKeyId).toBeDefined();
    expect(JSON.stringify(groups[0]!.Properties.LogGroupName)).toContain('/aws-glue/crawlers-role/strata-prod-raw-crawler-eu-west-1-');
  });

  it('gives the crawler a role that reads the raw bucket and no other bucket', () => {
    const policies = Object.values(aws.templates.catalog.findResources('AWS::IAM::ManagedPolicy'));
    const text = JSON.stringify(policies);
    expect(text).toContain('strata-prod-raw-');
    for (const other of ['trusted', 'refined', 'dataquality', 'athena-results']) expect(text).not.toContain(`strata-prod-${other}-`);
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action.startsWith('s3:')).sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
  });

  it('declares every trusted and refined dataset, the feature store and the ML tables as Parquet tables with their columns in order', () => {
    const declared = [...DATASETS, ...FEATURE_DATASETS, ...ML_DATASETS];
    expect([...tablesIn('trusted'), ...tablesIn('refined')]).toHaveLength(declared.length);
    for (const dataset of declared) {
      const table = tableNamed(dataset.name);
      expect(table.Properties.TableInput.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      expect(table.Properties.TableInput.Parameters['parquet.compression']).toBe('ZSTD');
      expect(table.Properties.TableInput.StorageDescriptor.Columns.map((column: { Name: string }) => column.Name)).toEqual(dataset.columns.map((column) => column.name));
    }
  });

  it('puts the nine Olist tables in trusted and the business tables in refined, each under its own prefix', () => {
    expect(OLIST_DATASETS).toHaveLength(9);
    for (const [datasets, layer] of [
      [OLIST_DATASETS, 'trusted'],
      [REFINED_DATASETS, 'refined'],
    ] as const) {
      for (const dataset of datasets) {
        const location = JSON.stringify(tableNamed(dataset.name).Properties.TableInput.StorageDescriptor.Location);
        expect(location).toContain(`s3://strata-prod-${layer}-`);
        expect(location).toContain(`-eu-west-1/${dataset.name}/`);
        expect(layerOf(tableNamed(dataset.name).Properties.DatabaseName)).toBe(layer);
      }
    }
  });

  it('projects monthly partitions so Athena finds them without crawling', () => {
    expect(tableNamed('orders').Properties.TableInput.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.purchase_month.type': 'date',
      'projection.purchase_month.format': 'yyyy-MM',
      'projection.purchase_month.range': '2016-09,NOW',
      'projection.purchase_month.interval.unit': 'MONTHS',
    });
    expect(tableNamed('orders').Properties.TableInput.PartitionKeys).toEqual([expect.objectContaining({ Name: 'purchase_month', Type: 'string' })]);
  });

  it('projects the geolocation partitions over the 27 Brazilian states', () => {
    const parameters = tableNamed('geolocation').Properties.TableInput.Parameters;
    expect(parameters['projection.state.type']).toBe('enum');
    expect(parameters['projection.state.values'].split(',')).toHaveLength(27);
  });

  it('leaves small reference tables unpartitioned', () => {
    expect(tableNamed('sellers').Properties.TableInput.PartitionKeys).toBeUndefined();
    expect(tableNamed('sellers').Properties.TableInput.Parameters['projection.enabled']).toBeUndefined();
  });

  it('retains databases and tables on stack deletion in prod', () => {
    for (const type of ['AWS::Glue::Database', 'AWS::Glue::Table']) {
      for (const resource of Object.values(aws.templates.catalog.findResources(type))) expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  describe('data quality', () => {
    const rulesets = () => Object.values(aws.templates.catalog.findResources('AWS::Glue::DataQualityRuleset')) as Resource[];
    const rulesetFor = (table: string) => rulesets().find((ruleset) => ruleset.Properties.Name === `strata-prod-quality-${table}`)!;
    const location = (table: Resource) => JSON.stringify(table.Properties.TableInput.StorageDescriptor.Location);
    const columnsOf = (table: Resource) =>
      (table.Properties.TableInput.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>).map((column) => `${column.Name}:${column.Type}`);

    it('declares a Glue Data Quality ruleset per trusted table, with the DQDL of pipelines/quality', () => {
      expect(rulesets()).toHaveLength(OLIST_DATASETS.length);
      for (const dataset of OLIST_DATASETS) {
        const ruleset = rulesetFor(dataset.name);
        expect(ruleset, dataset.name).toBeDefined();
        expect(ruleset.Properties.Ruleset).toBe(dqdlRuleset(dataset));
        expect(ruleset.Properties.Ruleset).toMatch(/^Rules = \[/);
      }
    });

    it('targets each ruleset at its declared trusted table, by reference, so the table exists first', () => {
      const resources = aws.templates.catalog.toJSON().Resources as Record<string, Resource>;
      for (const dataset of OLIST_DATASETS) {
        const target = rulesetFor(dataset.name).Properties.TargetTable as { DatabaseName: { Ref: string }; TableName: { Ref: string } };
        expect(layerOf(target.DatabaseName)).toBe('trusted');
        const table = resources[target.TableName.Ref]!;
        expect(table.Type).toBe('AWS::Glue::Table');
        expect(table.Properties.TableInput.Name).toBe(dataset.name);
      }
    });

    it('deletes rulesets with the stack (they are code) while the tables they check stay retained', () => {
      for (const ruleset of rulesets()) expect(ruleset.DeletionPolicy).toBe('Delete');
    });

    it('declares quarantine_<table> per trusted table in the dataquality database: its columns as text, then reason, source_file, raw_line', () => {
      const quarantine = tablesIn('dataquality').filter((table) => table.Properties.TableInput.Name.startsWith('quarantine_'));
      expect(quarantine).toHaveLength(OLIST_DATASETS.length);
      for (const dataset of OLIST_DATASETS) {
        const table = tableNamed(`quarantine_${dataset.name}`);
        expect(layerOf(table.Properties.DatabaseName)).toBe('dataquality');
        expect(columnsOf(table)).toEqual([...dataset.columns.map((column) => `${column.name}:string`), 'reason:string', 'source_file:string', 'raw_line:string']);
        expect(table.Properties.TableInput.PartitionKeys).toBeUndefined();
        expect(table.Properties.TableInput.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
        expect(location(table)).toContain('s3://strata-prod-dataquality-');
        expect(location(table)).toContain(`-eu-west-1/quarantine/${dataset.name}/`);
      }
    });

    it('names quarantine tables as the Athena query engine reads them', () => {
      const engine = new AthenaQueryEngine({
        client: { send: () => Promise.reject(new Error('no queries here')) },
        workgroup: 'strata-prod',
        databases: Object.fromEntries(LAYERS.map((layer) => [layer, `strata_prod_${layer}`])) as Record<Layer, string>,
        buckets: Object.fromEntries(LAYERS.map((layer) => [layer, `strata-prod-${layer}`])) as Record<Layer, string>,
        store: {} as ObjectStore,
        sessionId: 'test',
      });
      for (const dataset of OLIST_DATASETS) {
        const relation = engine.relations.ref('dataquality', `quarantine/${dataset.name}`);
        const [database, table] = relation.split('.').map((part) => part.replaceAll('"', ''));
        expect(database).toBe('strata_prod_dataquality');
        expect(tableNamed(table!), relation).toBeDefined();
      }
    });

    it('declares quality_results partitioned by run_id, projected with injected values, under results/', () => {
      const table = tableNamed('quality_results');
      expect(layerOf(table.Properties.DatabaseName)).toBe('dataquality');
      expect(columnsOf(table)).toEqual(['table_name:string', 'rule:string', 'severity:string', 'passed:boolean', 'failing_rows:bigint']);
      expect(table.Properties.TableInput.PartitionKeys).toEqual([expect.objectContaining({ Name: 'run_id', Type: 'string' })]);
      expect(table.Properties.TableInput.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.run_id.type': 'injected' });
      expect(location(table)).toContain('-eu-west-1/results/"');
      // Hive-style folders, as the quality handler writes them: results/run_id=<run id>/.
      expect(JSON.stringify(table.Properties.TableInput.Parameters['storage.location.template'])).toContain('-eu-west-1/results/run_id=${run_id}/"');
    });

    it('adds nothing else to the dataquality database', () => {
      expect(tablesIn('dataquality').map((table) => table.Properties.TableInput.Name).sort()).toEqual(
        [...OLIST_DATASETS.map((dataset) => `quarantine_${dataset.name}`), 'quality_results'].sort(),
      );
    });
  });
});
