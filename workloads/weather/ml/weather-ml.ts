/**
 * The weather workload's retrain steps: no feature store (the hourly table is
 * the features' source), the rain-next-hour ABT, and each city's latest hour
 * to score.
 */
import type { WorkloadMl } from '../../../lambdas/ml/workload-ml.ts';
import { buildRainNextHourAbt, rainNextHourScoringRelation } from './build-rain-next-hour.ts';

export const weatherMl: WorkloadMl = {
  buildFeatures: async () => ({ rowsIn: 0, rowsOut: 0 }),
  buildTrainingSet: (engine, _model, settings) => buildRainNextHourAbt(engine, settings.classifier),
  scoringRelation: (engine) => rainNextHourScoringRelation(engine),
};
