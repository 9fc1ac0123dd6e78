/**
 * The Olist workload: the Brazilian e-commerce marketplace's nine tables
 * (datasets/), their trusted and refined SQL (sql/), the seller feature
 * store, the churn and segmentation models, and the synthetic-data
 * generator.
 */
import type { WorkloadCode } from '../../pipelines/workloads/workload.ts';
import type { SplitFolderSummary } from '../../pipelines/workloads/workload-generator.ts';
import { FEATURE_DATASETS, featureColumns, ML_DATASETS, SNAPSHOT_FEATURES } from './features.ts';
import { sellerChurn, sellerSegments } from './models.ts';
import { FIRST_ORDER_MONTH, OLIST_VALUE_SETS } from './values.ts';
import { DEFAULT_SEED, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE } from './generate/limits.ts';
import { DEFAULT_HISTORY_SHARE, DEFAULT_RESEND, HISTORY_FOLDER, MAX_BATCHES, batchFolderName } from './generate/batch-folders.ts';

export const olist: WorkloadCode = {
  values: OLIST_VALUE_SETS,
  firstMonth: FIRST_ORDER_MONTH,
  retrainDatasets: [...FEATURE_DATASETS, ...ML_DATASETS],
  // A feature table's features, and all six tables' as one seller snapshot (sql/ml/seller_snapshot_features.sql).
  columnLists: {
    ...Object.fromEntries(FEATURE_DATASETS.map((dataset) => [dataset.name, featureColumns(dataset)])),
    seller_snapshot_features: SNAPSHOT_FEATURES,
  },
  models: [sellerChurn, sellerSegments],
  generator: {
    description: 'Writes synthetic Olist e-commerce data: the nine CSV files of the published dataset, same names and headers.',
    scaleOne: '99,441 orders, 3,095 sellers',
    maxScale: MAX_SCALE,
    defaultSeed: DEFAULT_SEED,
    maxBadRows: MAX_BAD_ROWS,
    badRowKinds: 'bad dates, bad numbers, duplicates, extra fields, empty keys, values out of range',
    manifestFile: MANIFEST_FILE,
    // Loaded on use: the generator reads the dataset files from the source tree, which a Lambda bundle does not have.
    generate: async (options) => (await import('./generate/generate-olist.ts')).generateOlist(options),
    batches: {
      description:
        'split the data by purchase date, as a feed would deliver it: the oldest orders in the history, the rest in n even slices; ' +
        'items, payments, reviews and customers go with their order, sellers and products with the first folder whose items name them ' +
        '(otherwise, and geolocation and categories, in the history)',
      entityName: 'orders',
      historyFolder: HISTORY_FOLDER,
      defaultHistoryShare: DEFAULT_HISTORY_SHARE,
      defaultResend: DEFAULT_RESEND,
      maxBatches: MAX_BATCHES,
      folderName: batchFolderName,
      async split(options): Promise<SplitFolderSummary[]> {
        const { splitIntoBatches } = await import('./generate/split-batches.ts');
        const result = await splitIntoBatches(options);
        return result.folders.map((folder) => ({
          name: folder.name,
          entities: folder.orders,
          resent: folder.resent,
          resendShortfall: folder.resendShortfall,
          rows: Object.values(folder.rows).reduce((sum, count) => sum + count, 0),
          bytes: folder.bytes,
        }));
      },
    },
  },
};
