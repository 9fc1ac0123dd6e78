/**
 * The retrain-flow steps of the workloads with models, by folder name
 * (lambdas/ml/workload-ml.ts): apart from workloads/index.ts because only
 * the ML handlers load them.
 */
import type { WorkloadMl } from '../lambdas/ml/workload-ml.ts';
import { olistMl } from './olist/ml/olist-ml.ts';
import { weatherMl } from './weather/ml/weather-ml.ts';

export const WORKLOAD_ML: Readonly<Record<string, WorkloadMl>> = { olist: olistMl, weather: weatherMl };
