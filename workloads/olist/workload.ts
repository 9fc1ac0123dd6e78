/**
 * The Olist workload: the Brazilian e-commerce marketplace's nine tables
 * and the marketing funnel's closed deals (datasets/), their trusted and refined SQL (sql/), the seller feature
 * store and the churn, segmentation, order-delay, seller-activation and purchase-recommendation models. Its synthetic-data generator
 * is generator.ts, listed apart (workloads/generators.ts) because only the
 * CLI runs it.
 */
import type { WorkloadCode } from '../../pipelines/workloads/workload.ts';
import { FEATURE_DATASETS, featureColumns, ML_DATASETS, SNAPSHOT_FEATURES } from './features.ts';
import { orderDelay, purchaseRecommendation, sellerActivation, sellerChurn, sellerSegments } from './models.ts';
import { ORDER_DELAY_DATASETS } from './order-delay.ts';
import { RECOMMENDATION_DATASETS } from './recommendation.ts';
import { SELLER_ACTIVATION_DATASETS } from './seller-activation.ts';
import { FIRST_ORDER_MONTH, OLIST_VALUE_SETS } from './values.ts';

export const olist: WorkloadCode = {
  values: OLIST_VALUE_SETS,
  firstMonth: FIRST_ORDER_MONTH,
  retrainDatasets: [...FEATURE_DATASETS, ...ML_DATASETS, ...ORDER_DELAY_DATASETS, ...SELLER_ACTIVATION_DATASETS, ...RECOMMENDATION_DATASETS],
  // A feature table's features, and all six tables' as one seller snapshot (sql/ml/seller_snapshot_features.sql).
  columnLists: {
    ...Object.fromEntries(FEATURE_DATASETS.map((dataset) => [dataset.name, featureColumns(dataset)])),
    seller_snapshot_features: SNAPSHOT_FEATURES,
  },
  models: [sellerChurn, sellerSegments, orderDelay, sellerActivation, purchaseRecommendation],
};
