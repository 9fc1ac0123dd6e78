import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, type Layer } from '../../../config/schema.ts';
import { AthenaQueryEngine } from '../../../lambdas/adapters/aws/athena-query-engine.ts';
import { GlueTableCatalog } from '../../../lambdas/adapters/aws/glue-table-catalog.ts';
import type { ObjectStore } from '../../../lambdas/ports/object-store.ts';
import { CATALOG, DATASETS, TRUSTED_DATASETS, REFINED_DATASETS } from '../../support/catalog.ts';
import { dqdlRuleset } from '../../../pipelines/quality/dqdl.ts';
import { synthAws } from './synth-aws.ts';
import { environmentNamed } from '../../support/environments.ts';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

describe('catalog stack', () => {
  const prod = environmentNamed('prod');
  let aws: { templates: { catalog: Template } };
  beforeAll(() => {
    // The whole platform (cdk-nag included) without Lambda bundling, shared with the worker's other files.
    aws = synthAws(prod);
  });

  const tables = () => Object.values(aws.templates.catalog.findResources('AWS::Glue::Table')) as Resource[];
  /** The layer whose database a table or ruleset reference points at. */
  const layerOf = (reference: { Ref: string }): Layer => {
    const database = aws.templates.catalog.toJSON().Resources[reference.Ref] as Resource;
    return database.Properties.DatabaseInput.Name.replace(/^strata_prod_/, '') as Layer;
  };
  /** A table of trusted, refined or dataquality (raw's staged tables share the trusted tables' names). */
  const tableNamed = (name: string) => tables().find((table) => table.Properties.TableInput.Name === name && layerOf(table.Properties.DatabaseName) !== 'raw')!;
  const tablesIn = (layer: Layer) => tables().filter((table) => layerOf(table.Properties.DatabaseName) === layer);

  it('declares one Glue database per layer', () => {
    const names = Object.values(aws.templates.catalog.findResources('AWS::Glue::Database')).map((database) => database.Properties.DatabaseInput.Name);
    expect(names.sort()).toEqual(LAYERS.map((layer) => `strata_prod_${layer}`).sort());
  });

  it('runs no crawler: every table is declared', () => {
    for (const type of ['AWS::Glue::Crawler', 'AWS::Glue::SecurityConfiguration', 'AWS::Logs::LogGroup', 'AWS::IAM::Role', 'AWS::IAM::ManagedPolicy']) {
      expect(Object.keys(aws.templates.catalog.findResources(type)), type).toEqual([]);
    }
  });

  describe('raw tables', () => {
    const sources = DATASETS.filter((dataset) => dataset.sourceFile !== undefined);
    const location = (table: Resource) => JSON.stringify(table.Properties.TableInput.StorageDescriptor.Location);
    const columnsOf = (table: Resource) =>
      (table.Properties.TableInput.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>).map((column) => `${column.Name}:${column.Type}`);
    const lineage = ['_ingested_at:string', '_source_file:string', '_record_number:bigint'];

    it('declares, per source dataset, its staged table and its rejects table in the raw database, and nothing else', () => {
      expect(sources.map((dataset) => dataset.name).sort()).toEqual(TRUSTED_DATASETS.map((dataset) => dataset.name).sort());
      expect(tablesIn('raw').map((table) => table.Properties.TableInput.Name).sort()).toEqual(sources.flatMap((dataset) => [dataset.name, `${dataset.name}_rejects`]).sort());
    });

    it('reads the staged Parquet copies: every column as text, then the lineage, under staged/<table>/', () => {
      for (const dataset of sources) {
        const table = tablesIn('raw').find((candidate) => candidate.Properties.TableInput.Name === dataset.name)!;
        expect(columnsOf(table), dataset.name).toEqual([...dataset.columns.map((column) => `${column.name}:string`), ...lineage]);
        expect(table.Properties.TableInput.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
        expect(location(table)).toContain('s3://strata-prod-raw-');
        expect(location(table)).toContain(`-eu-west-1/staged/${dataset.name}/"`);
      }
    });

    it('reads the rejects: record, record_base64, record_file, reason, then the lineage, under rejects/<table>/', () => {
      for (const dataset of sources) {
        const table = tablesIn('raw').find((candidate) => candidate.Properties.TableInput.Name === `${dataset.name}_rejects`)!;
        expect(columnsOf(table), dataset.name).toEqual(['record:string', 'record_base64:string', 'record_file:string', 'reason:string', ...lineage]);
        expect(location(table)).toContain(`-eu-west-1/rejects/${dataset.name}/"`);
      }
    });

    it('projects ingest_date partitions by day, from 2016-01-01 to today, at the folders ingest writes', () => {
      for (const table of tablesIn('raw')) {
        const name = table.Properties.TableInput.Name as string;
        const folder = name.endsWith('_rejects') ? `rejects/${name.replace(/_rejects$/, '')}` : `staged/${name}`;
        expect(table.Properties.TableInput.PartitionKeys, name).toEqual([expect.objectContaining({ Name: 'ingest_date', Type: 'string' })]);
        expect(table.Properties.TableInput.Parameters, name).toMatchObject({
          'projection.enabled': 'true',
          'projection.ingest_date.type': 'date',
          'projection.ingest_date.format': 'yyyy-MM-dd',
          'projection.ingest_date.range': '2016-01-01,NOW',
          'projection.ingest_date.interval': '1',
          'projection.ingest_date.interval.unit': 'DAYS',
        });
        const template = JSON.stringify(table.Properties.TableInput.Parameters['storage.location.template']);
        expect(template, name).toContain('s3://strata-prod-raw-');
        expect(template, name).toContain(`-eu-west-1/${folder}/ingest_date=\${ingest_date}/"`);
      }
    });
  });

  it('declares every trusted and refined dataset, the feature store and the ML tables as Parquet tables with their columns in order', () => {
    const declared = [...DATASETS, ...CATALOG.retrainDatasets];
    expect([...tablesIn('trusted'), ...tablesIn('refined')]).toHaveLength(declared.length);
    for (const dataset of declared) {
      const table = tableNamed(dataset.name);
      expect(table.Properties.TableInput.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      expect(table.Properties.TableInput.Parameters['parquet.compression']).toBe('ZSTD');
      const lineage = dataset.layer === 'trusted' ? ['_ingested_at', '_source_file', '_record_number'] : [];
      expect(table.Properties.TableInput.StorageDescriptor.Columns.map((column: { Name: string }) => column.Name), dataset.name).toEqual([...dataset.columns.map((column) => column.name), ...lineage]);
    }
  });

  it('puts the tables loaded from files (nine Olist, its closed deals, one weather) in trusted and the business tables in refined, each under its own prefix', () => {
    expect(TRUSTED_DATASETS).toHaveLength(11);
    for (const [datasets, layer] of [
      [TRUSTED_DATASETS, 'trusted'],
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

  it('gives trusted rows the lineage of their staged record, typed', () => {
    const columns = tableNamed('orders').Properties.TableInput.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>;
    expect(columns.slice(-3).map((column) => `${column.Name}:${column.Type}`)).toEqual(['_ingested_at:string', '_source_file:string', '_record_number:bigint']);
  });

  it('declares partitioned tables with their partition keys and no projection: commits register partitions at their version folders', () => {
    expect(tableNamed('orders').Properties.TableInput.PartitionKeys).toEqual([expect.objectContaining({ Name: 'purchase_month', Type: 'string' })]);
    expect(tableNamed('geolocation').Properties.TableInput.PartitionKeys).toEqual([expect.objectContaining({ Name: 'state', Type: 'string' })]);
    for (const table of [...tablesIn('trusted'), ...tablesIn('refined'), ...tablesIn('dataquality')]) {
      const parameters = table.Properties.TableInput.Parameters as Record<string, unknown>;
      expect(Object.keys(parameters).filter((key) => key.startsWith('projection.') || key === 'storage.location.template'), table.Properties.TableInput.Name).toEqual([]);
    }
  });

  it('declares an unpartitioned dataset with the one strata_version key, whose one partition each commit repoints', () => {
    const unpartitioned = [...DATASETS, ...CATALOG.retrainDatasets].filter((dataset) => dataset.partition === undefined);
    expect(unpartitioned.map((dataset) => dataset.name)).toContain('sellers');
    for (const dataset of unpartitioned) {
      expect(tableNamed(dataset.name).Properties.TableInput.PartitionKeys, dataset.name).toEqual([expect.objectContaining({ Name: 'strata_version', Type: 'string' })]);
    }
  });

  it('names tables as GlueTableCatalog publishes pointers to them', () => {
    const catalog = new GlueTableCatalog({
      client: { send: () => Promise.reject(new Error('no calls here')) },
      databases: Object.fromEntries(LAYERS.map((layer) => [layer, `strata_prod_${layer}`])) as Record<Layer, string>,
      buckets: Object.fromEntries(LAYERS.map((layer) => [layer, `strata-prod-${layer}`])) as Record<Layer, string>,
    });
    const folders: Array<[Layer, string]> = [
      ...[...DATASETS, ...CATALOG.retrainDatasets].map((dataset): [Layer, string] => [dataset.layer, dataset.name]),
      ...TRUSTED_DATASETS.map((dataset): [Layer, string] => ['dataquality', `quarantine/${dataset.name}`]),
      ['dataquality', 'results'],
    ];
    for (const [layer, folder] of folders) {
      const { database, table } = catalog.glueTableOf(layer, folder);
      const declared = tableNamed(table);
      expect(declared, `${layer}/${folder}`).toBeDefined();
      expect(`strata_prod_${layerOf(declared.Properties.DatabaseName)}`, `${layer}/${folder}`).toBe(database);
    }
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
      expect(rulesets()).toHaveLength(TRUSTED_DATASETS.length);
      for (const dataset of TRUSTED_DATASETS) {
        const ruleset = rulesetFor(dataset.name);
        expect(ruleset, dataset.name).toBeDefined();
        expect(ruleset.Properties.Ruleset).toBe(dqdlRuleset(CATALOG, dataset));
        expect(ruleset.Properties.Ruleset).toMatch(/^Rules = \[/);
      }
    });

    it('targets each ruleset at its declared trusted table, by reference, so the table exists first', () => {
      const resources = aws.templates.catalog.toJSON().Resources as Record<string, Resource>;
      for (const dataset of TRUSTED_DATASETS) {
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

    it('declares quarantine_<table> per trusted table in the dataquality database: its columns as text, why, the record, its lineage and run, by quarantine_date', () => {
      const quarantine = tablesIn('dataquality').filter((table) => table.Properties.TableInput.Name.startsWith('quarantine_'));
      expect(quarantine).toHaveLength(TRUSTED_DATASETS.length);
      for (const dataset of TRUSTED_DATASETS) {
        const table = tableNamed(`quarantine_${dataset.name}`);
        expect(layerOf(table.Properties.DatabaseName)).toBe('dataquality');
        expect(columnsOf(table)).toEqual([
          ...dataset.columns.map((column) => `${column.name}:string`),
          'reason:string',
          'reason_kind:string',
          'record:string',
          'record_base64:string',
          'record_file:string',
          '_ingested_at:string',
          '_source_file:string',
          '_record_number:bigint',
          'quarantined_run:string',
        ]);
        expect(table.Properties.TableInput.PartitionKeys).toEqual([expect.objectContaining({ Name: 'quarantine_date', Type: 'string' })]);
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
      // Without a catalog injected, the engine names Glue tables itself: the same tables.
      for (const folder of [...TRUSTED_DATASETS.map((dataset) => `quarantine/${dataset.name}`), 'results/run_id=x']) {
        const { database, table } = engine.glueTableOf('dataquality', folder);
        expect(database).toBe('strata_prod_dataquality');
        expect(tableNamed(table), folder).toBeDefined();
      }
    });

    it('declares results partitioned by run_id under results/, its partitions registered by commits', () => {
      const table = tableNamed('results');
      expect(layerOf(table.Properties.DatabaseName)).toBe('dataquality');
      expect(columnsOf(table)).toEqual(['table_name:string', 'rule:string', 'severity:string', 'passed:boolean', 'failing_rows:bigint']);
      expect(table.Properties.TableInput.PartitionKeys).toEqual([expect.objectContaining({ Name: 'run_id', Type: 'string' })]);
      expect(table.Properties.TableInput.Parameters['projection.enabled']).toBeUndefined();
      expect(location(table)).toContain('-eu-west-1/results/"');
    });

    it('adds nothing else to the dataquality database', () => {
      expect(tablesIn('dataquality').map((table) => table.Properties.TableInput.Name).sort()).toEqual(
        [...TRUSTED_DATASETS.map((dataset) => `quarantine_${dataset.name}`), 'results'].sort(),
      );
    });
  });
});
