/** Synthetic weather polls for `strata generate --workload weather`: what the poller would have landed. */
import type { WorkloadGenerator } from '../../pipelines/workloads/workload-generator.ts';
import { DEFAULT_SEED, generateWeather, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE } from './generate/generate-weather.ts';

export const weatherGenerator: WorkloadGenerator = {
  description:
    'Writes synthetic polls of the weather source: weather_current.csv as the poller lands it, one row per state capital per poll, ' +
    'from a simulation whose humidity, pressure trend, clouds and time of day drive the next hour’s rain.',
  scaleOne: '14 days of per-minute polls of 27 cities, 544,320 rows (below 1 the polls thin out over the same 14 days)',
  maxScale: MAX_SCALE,
  defaultSeed: DEFAULT_SEED,
  maxBadRows: MAX_BAD_ROWS,
  badRowKinds: 'ISO times instead of epoch seconds, humidity above 100, empty city ids, re-polled observations',
  manifestFile: MANIFEST_FILE,
  generate: generateWeather,
};
