/**
 * The synthetic-data generators of the workloads that have one, by folder
 * name (pipelines/workloads/generators.ts reads it): apart from
 * workloads/index.ts because only the CLI and the benchmarks run them, so
 * the Lambda and function bundles leave them out.
 */
import type { WorkloadGenerator } from '../pipelines/workloads/workload-generator.ts';
import { olistGenerator } from './olist/generator.ts';
import { weatherGenerator } from './weather/generator.ts';

export const WORKLOAD_GENERATORS: Readonly<Record<string, WorkloadGenerator>> = { olist: olistGenerator, weather: weatherGenerator };
