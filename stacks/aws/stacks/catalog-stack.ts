import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAYERS, type Layer } from '../../../config/schema.ts';
import { DATASETS, FEATURE_DATASETS, ML_DATASETS, OLIST_DATASETS } from '../../../pipelines/datasets/index.ts';
import { resourceName } from '../../shared/naming.ts';
import { AwsNames } from '../aws-names.ts';
import { CatalogTables } from '../constructs/catalog-tables.ts';
import type { DataLakeStorage } from '../constructs/data-lake-storage.ts';
import { DataQualityCatalog } from '../constructs/data-quality-catalog.ts';
import { RawCrawler } from '../constructs/raw-crawler.ts';
import { referenceLayerBuckets } from '../lake-references.ts';
import type { PlatformStackProps } from './platform-stack-props.ts';

export interface CatalogStackProps extends PlatformStackProps {
  readonly storage: DataLakeStorage;
}

/**
 * Glue Data Catalog: a database per layer, the raw crawler, declared trusted
 * and refined tables, and the data-quality layer's rulesets, quarantine and
 * results tables.
 */
export class CatalogStack extends Stack {
  readonly databases: Record<Layer, glue.Database>;
  readonly tables: CatalogTables[];
  readonly crawler: RawCrawler;
  readonly dataQuality: DataQualityCatalog;

  constructor(scope: Construct, id: string, props: CatalogStackProps) {
    super(scope, id, props);
    const { environment, storage } = props;
    const names = new AwsNames(environment, this);
    const buckets = referenceLayerBuckets(this, names, storage.key);

    const databases = {} as Record<Layer, glue.Database>;
    for (const layer of LAYERS) {
      databases[layer] = new glue.Database(this, `${layer}Database`, {
        databaseName: names.database(layer),
        description: `Strata ${environment.name}: ${layer} layer`,
      });
    }
    this.databases = databases;

    this.crawler = new RawCrawler(this, 'RawCrawler', {
      crawlerName: names.crawler,
      rawBucket: buckets.raw,
      databaseName: names.database('raw'),
      key: storage.key,
      schedule: environment.catalog.crawlerSchedule,
      logRetention: environment.retention.logRetentionDays as logs.RetentionDays,
    });
    this.crawler.node.addDependency(databases.raw);

    this.tables = (['trusted', 'refined'] as const).map(
      (layer) =>
        new CatalogTables(this, `${layer}Tables`, {
          // The feature store, training sets and scores are refined tables the retrain flow builds.
          datasets: [...DATASETS, ...FEATURE_DATASETS, ...ML_DATASETS].filter((dataset) => dataset.layer === layer),
          database: databases[layer],
          bucket: buckets[layer],
        }),
    );

    const [trustedTables] = this.tables;
    this.dataQuality = new DataQualityCatalog(this, 'DataQuality', {
      datasets: OLIST_DATASETS,
      trustedDatabase: databases.trusted,
      trustedTables: trustedTables!.tables,
      database: databases.dataquality,
      bucket: buckets.dataquality,
      rulesetNamePrefix: resourceName(environment, 'quality'),
    });
  }
}
