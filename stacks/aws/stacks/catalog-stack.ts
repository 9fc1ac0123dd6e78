import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type { Construct } from 'constructs';
import { LAYERS, type Layer } from '../../../config/schema.ts';
import { catalogFor } from '../../../pipelines/workloads/registry.ts';
import { resourceName } from '../../shared/naming.ts';
import { AwsNames } from '../aws-names.ts';
import { CatalogTables } from '../constructs/catalog-tables.ts';
import type { DataLakeStorage } from '../constructs/data-lake-storage.ts';
import { DataQualityCatalog } from '../constructs/data-quality-catalog.ts';
import { RawTables } from '../constructs/raw-tables.ts';
import { referenceLayerBuckets } from '../lake-references.ts';
import type { PlatformStackProps } from './platform-stack-props.ts';

export interface CatalogStackProps extends PlatformStackProps {
  readonly storage: DataLakeStorage;
}

/**
 * Glue Data Catalog: a database per layer and every table declared from the
 * dataset definitions (no crawler): raw's staged and rejects tables
 * (partitions projected by ingest date), the trusted and refined tables, and
 * the data-quality layer's rulesets, quarantine and results tables (their
 * partitions registered by each commit, at the folders its pointer names).
 */
export class CatalogStack extends Stack {
  readonly databases: Record<Layer, glue.Database>;
  readonly tables: CatalogTables[];
  readonly rawTables: RawTables;
  readonly dataQuality: DataQualityCatalog;

  constructor(scope: Construct, id: string, props: CatalogStackProps) {
    super(scope, id, props);
    const { environment, storage } = props;
    const names = new AwsNames(environment, this);
    const catalog = catalogFor(environment.workloads);
    const buckets = referenceLayerBuckets(this, names, storage.key);

    const databases = {} as Record<Layer, glue.Database>;
    for (const layer of LAYERS) {
      databases[layer] = new glue.Database(this, `${layer}Database`, {
        databaseName: names.database(layer),
        description: `Strata ${environment.name}: ${layer} layer`,
      });
    }
    this.databases = databases;

    this.rawTables = new RawTables(this, 'RawTables', {
      // Every table loaded from files, of the environment's workloads.
      datasets: catalog.trusted,
      database: databases.raw,
      bucket: buckets.raw,
    });

    this.tables = (['trusted', 'refined'] as const).map(
      (layer) =>
        new CatalogTables(this, `${layer}Tables`, {
          // The feature store, training sets and scores are refined tables the retrain flow builds.
          datasets: [...catalog.datasets, ...catalog.retrainDatasets].filter((dataset) => dataset.layer === layer),
          database: databases[layer],
          bucket: buckets[layer],
          // Trusted rows keep the lineage of the staged record they came from.
          lineage: layer === 'trusted',
        }),
    );

    const [trustedTables] = this.tables;
    this.dataQuality = new DataQualityCatalog(this, 'DataQuality', {
      catalog,
      trustedDatabase: databases.trusted,
      trustedTables: trustedTables!.tables,
      database: databases.dataquality,
      bucket: buckets.dataquality,
      rulesetNamePrefix: resourceName(environment, 'quality'),
    });
  }
}
