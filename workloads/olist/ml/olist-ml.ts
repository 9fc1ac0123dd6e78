/**
 * Olist's retrain steps: the seller feature store; the churn ABT, the
 * segmentation base, the order-delay and seller-activation ABTs and the
 * recommendation interactions; the rows each model scores (the sellers of
 * the latest snapshot for churn, the latest representative one for the
 * segments, the orders still open, the sellers signed up inside
 * the window who have not sold, every customer's purchases).
 */
import type { WorkloadMl } from '../../../lambdas/ml/workload-ml.ts';
import { ORDER_DELAY_MODEL } from '../order-delay.ts';
import { RECOMMENDATION_MODEL } from '../recommendation.ts';
import { SELLER_ACTIVATION_MODEL } from '../seller-activation.ts';
import { buildRecommendationInteractions, recommendationScoringRelation } from './build-recommendation.ts';
import { buildFeatures } from './build-features.ts';
import { buildOrderDelayAbt, orderDelayScoringRelation } from './build-order-delay.ts';
import { buildSellerActivationAbt, sellerActivationScoringRelation } from './build-seller-activation.ts';
import { buildTrainingSet, latestSnapshotRelation, segmentBaseRelation } from './build-training-set.ts';

export const olistMl: WorkloadMl = {
  buildFeatures,
  buildTrainingSet: (engine, model, settings) => {
    if (model.name === ORDER_DELAY_MODEL) return buildOrderDelayAbt(engine, settings.classifier);
    if (model.name === SELLER_ACTIVATION_MODEL) return buildSellerActivationAbt(engine, settings.classifier);
    if (model.name === RECOMMENDATION_MODEL) return buildRecommendationInteractions(engine, settings.ranker);
    return buildTrainingSet(engine, model.name, settings);
  },
  scoringRelation: (engine, model, settings) => {
    if (model.name === ORDER_DELAY_MODEL) return orderDelayScoringRelation(engine);
    if (model.name === SELLER_ACTIVATION_MODEL) return sellerActivationScoringRelation(engine, settings.classifier);
    if (model.name === RECOMMENDATION_MODEL) return recommendationScoringRelation(engine);
    if (model.kind === 'clusterer') return segmentBaseRelation(engine);
    return latestSnapshotRelation(engine);
  },
};
