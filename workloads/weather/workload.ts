/**
 * The weather workload: the current weather in the 27 Brazilian state
 * capitals, polled from an OpenWeatherMap-style API on `schedules.ingest`
 * and landed in raw as JSON lines.
 */
import type { WorkloadCode } from '../../pipelines/workloads/workload.ts';
import { weatherSource } from './sources.ts';

export const weather: WorkloadCode = {
  sources: (environmentName) => [weatherSource(environmentName)],
};
