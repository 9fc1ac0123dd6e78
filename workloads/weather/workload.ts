/**
 * The weather workload: the current weather in the 27 Brazilian state
 * capitals, polled from an OpenWeatherMap-style API on `schedules.ingest`
 * and landed in raw as JSON lines and as trusted weather_current's CSV;
 * refined weather_hourly sums it up per city and hour, and the
 * rain-next-hour classifier (rain-next-hour.ts) learns from it.
 */
import type { WorkloadCode } from '../../pipelines/workloads/workload.ts';
import { RAIN_NEXT_HOUR_DATASETS, rainNextHour } from './rain-next-hour.ts';
import { weatherSource } from './sources.ts';

export const weather: WorkloadCode = {
  // Month partitions of its tables start here: no observation of this platform is older.
  firstMonth: '2026-01',
  sources: (environmentName) => [weatherSource(environmentName)],
  retrainDatasets: RAIN_NEXT_HOUR_DATASETS,
  models: [rainNextHour],
};
