import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS } from '../../../config/schema.ts';
import { DATASETS, OLIST_DATASETS, REFINED_DATASETS } from '../../../pipelines/datasets/index.ts';
import { environmentNamed, environmentWith } from '../../support/environments.ts';
import { synthAws, type SynthesizedAws } from './synth-aws.ts';

describe('catalog stack', () => {
  const prod = environmentNamed('prod');
  let aws: SynthesizedAws;
  beforeAll(() => {
    aws = synthAws(prod);
  });

  const tables = () => Object.values(aws.templates.catalog.findResources('AWS::Glue::Table'));
  const tableNamed = (name: string) => tables().find((table) => table.Properties.TableInput.Name === name)!;

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
    synthAws(environment).templates.catalog.hasResourceProperties('AWS::Glue::Crawler', { Schedule: { ScheduleExpression: 'cron(0 2 * * ? *)' } });
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

  it('declares every trusted and refined dataset as a Parquet table with its columns in order', () => {
    expect(tables()).toHaveLength(DATASETS.length);
    for (const dataset of DATASETS) {
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
});
