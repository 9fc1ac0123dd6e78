/**
 * Olist's retrain steps: the seller feature store; the churn ABT, the
 * segmentation base and the order-delay ABT; the rows each model scores
 * (the sellers of the latest snapshot, the orders still open).
 */
import type { WorkloadMl } from '../../../lambdas/ml/workload-ml.ts';
import { ORDER_DELAY_MODEL } from '../order-delay.ts';
import { buildFeatures } from './build-features.ts';
import { buildOrderDelayAbt, orderDelayScoringRelation } from './build-order-delay.ts';
import { buildTrainingSet, latestSnapshotRelation } from './build-training-set.ts';

export const olistMl: WorkloadMl = {
  buildFeatures,
  buildTrainingSet: (engine, model, settings) =>
    model.name === ORDER_DELAY_MODEL ? buildOrderDelayAbt(engine, settings.classifier) : buildTrainingSet(engine, model.name, settings),
  scoringRelation: (engine, model) => (model.name === ORDER_DELAY_MODEL ? orderDelayScoringRelation(engine) : latestSnapshotRelation(engine)),
};
