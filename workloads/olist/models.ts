/** The Olist workload's models: seller churn (a classifier) and seller segments (a clusterer). */
import type { ModelDefinition } from '../../pipelines/models/model.ts';

/** Which sellers will stop selling within 45 days of a snapshot: the retention team's list. */
export const sellerChurn: ModelDefinition = {
  name: 'seller-churn',
  kind: 'classifier',
  description: 'Probability that a seller active at a snapshot makes no sale in the 45 days after their last one.',
  trainingSet: 'abt_churn',
  scoresTable: 'churn_scores',
  algorithms: ['gradient-boosting', 'logistic-regression'],
  managedAlgorithm: 'xgboost',
  gateMetric: 'auc_oot',
};

/** Seller segments by behaviour at the latest snapshot (k-means): the second model kind. */
export const sellerSegments: ModelDefinition = {
  name: 'seller-segments',
  kind: 'clusterer',
  description: 'Segments of the sellers active at the latest snapshot, by their features (k-means).',
  trainingSet: 'segment_base',
  scoresTable: 'seller_segments',
  algorithms: ['k-means'],
  gateMetric: 'silhouette',
};
