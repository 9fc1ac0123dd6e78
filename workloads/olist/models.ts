/** The Olist workload's models: seller churn, order delay and seller activation (classifiers), seller segments (a clusterer) and purchase recommendation (a ranker). */
import type { ModelDefinition } from '../../pipelines/models/model.ts';
import { ORDER_DELAY_MODEL } from './order-delay.ts';
import { RECOMMENDATION_MODEL } from './recommendation.ts';

/** Which sellers will stop selling within 45 days of a snapshot: the retention team's list. */
export const sellerChurn: ModelDefinition = {
  name: 'seller-churn',
  kind: 'classifier',
  description: 'Probability that a seller active at a snapshot makes no sale in the 45 days after their last one.',
  entity: 'seller_id',
  label: 'churn',
  positiveClass: 'churns',
  trainingSet: 'abt_churn',
  scoresTable: 'churn_scores',
  algorithms: ['gradient-boosting', 'logistic-regression'],
  managedAlgorithm: 'xgboost',
  managedJobStem: 'churn',
  gateMetric: 'auc_oot',
  afterScoring: ['churn_watchlist'],
};

/** Seller segments by behaviour at the latest snapshot (k-means): the second model kind. */
export const sellerSegments: ModelDefinition = {
  name: 'seller-segments',
  kind: 'clusterer',
  description: 'Segments of the sellers active at the latest snapshot, by their features (k-means).',
  entity: 'seller_id',
  trainingSet: 'segment_base',
  scoresTable: 'seller_segments',
  algorithms: ['k-means'],
  gateMetric: 'silhouette',
};

/** At purchase, will an order arrive after the day it was promised: the orders customer service watches. */
export const orderDelay: ModelDefinition = {
  name: ORDER_DELAY_MODEL,
  kind: 'classifier',
  description: 'Probability that an order arrives after the day promised at purchase, from what was known at purchase; scores the orders still open.',
  entity: 'order_id',
  label: 'late',
  positiveClass: 'arrives late',
  trainingSet: 'abt_order_delay',
  scoresTable: 'order_delay_scores',
  algorithms: ['gradient-boosting', 'logistic-regression'],
  managedAlgorithm: 'xgboost',
  gateMetric: 'auc_oot',
};

/**
 * Which product categories to show a customer, from what they and others
 * bought: co-purchase (item-item cosine) against a popularity baseline,
 * judged by hit rate at k on the held-out months. Categories, not products:
 * most of Olist's products sell once, so two products are almost never bought
 * by the same customer.
 */
export const purchaseRecommendation: ModelDefinition = {
  name: RECOMMENDATION_MODEL,
  kind: 'ranker',
  description: 'The k product categories to show a customer, from the categories they and others bought (co-purchase), topped up by popularity; judged by hit rate at k on the held-out months.',
  entity: 'customer_unique_id',
  item: 'product_category',
  trainingSet: 'recommendation_interactions',
  scoresTable: 'category_recommendations',
  algorithms: ['co-purchase', 'popularity'],
  gateMetric: 'hit_rate_at_k_oot',
};

export { sellerActivation } from './seller-activation.ts';
