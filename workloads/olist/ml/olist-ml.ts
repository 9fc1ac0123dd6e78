/**
 * Olist's retrain steps: the seller feature store; the churn ABT, the
 * segmentation base, the order-delay and the seller-activation ABTs; the
 * rows each model scores (the sellers of the latest snapshot, the orders
 * still open, the sellers signed up inside the window who have not sold).
 */
import type { WorkloadMl } from '../../../lambdas/ml/workload-ml.ts';
import { ORDER_DELAY_MODEL } from '../order-delay.ts';
import { SELLER_ACTIVATION_MODEL } from '../seller-activation.ts';
import { buildFeatures } from './build-features.ts';
import { buildOrderDelayAbt, orderDelayScoringRelation } from './build-order-delay.ts';
import { buildSellerActivationAbt, sellerActivationScoringRelation } from './build-seller-activation.ts';
import { buildTrainingSet, latestSnapshotRelation } from './build-training-set.ts';

export const olistMl: WorkloadMl = {
  buildFeatures,
  buildTrainingSet: (engine, model, settings) => {
    if (model.name === ORDER_DELAY_MODEL) return buildOrderDelayAbt(engine, settings.classifier);
    if (model.name === SELLER_ACTIVATION_MODEL) return buildSellerActivationAbt(engine, settings.classifier);
    return buildTrainingSet(engine, model.name, settings);
  },
  scoringRelation: (engine, model, settings) => {
    if (model.name === ORDER_DELAY_MODEL) return orderDelayScoringRelation(engine);
    if (model.name === SELLER_ACTIVATION_MODEL) return sellerActivationScoringRelation(engine, settings.classifier);
    return latestSnapshotRelation(engine);
  },
};
