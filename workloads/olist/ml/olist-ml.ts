/** Olist's retrain steps: the seller feature store, the churn ABT and segmentation base, the latest snapshot to score. */
import type { WorkloadMl } from '../../../lambdas/ml/workload-ml.ts';
import { SNAPSHOT_FEATURES } from '../features.ts';
import { buildFeatures } from './build-features.ts';
import { buildTrainingSet, snapshotFeaturesRelation } from './build-training-set.ts';

export const olistMl: WorkloadMl = {
  buildFeatures,
  buildTrainingSet: (engine, model, settings) => buildTrainingSet(engine, model.name, settings),
  scoringFeatures: SNAPSHOT_FEATURES.map((column) => column.name),
  scoringRelation: snapshotFeaturesRelation,
};
