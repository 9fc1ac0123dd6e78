/**
 * Synthetic polls of the weather source, as the poller lands them
 * (sources.ts, WEATHER_CURRENT_LANDING): one `weather_current.csv` row per
 * city per poll, since nothing can be polled here.
 *
 * The weather is simulated per city and hour, then observed every poll:
 * - temperature follows the city's climate (warmer near the equator), a
 *   daily cycle peaking mid-afternoon local time, and cools in rain;
 * - pressure drifts with passing weather systems (a few days each) plus the
 *   twice-daily atmospheric tide; moisture drifts slowly per city;
 * - rain starts with a probability that grows with moisture, falling
 *   pressure and afternoon heating (convection), and goes on with a
 *   persistence of its own; clouds build with moisture and before rain.
 * So the hour's humidity, pressure trend, clouds, time of day and current
 * rain carry real signal for the next hour's rain, which is the rare class
 * (about one city-hour in ten at scale 1).
 *
 * Scale 1 is 14 days of per-minute polls (544,320 rows). Below 1 the polls
 * thin out (scale 0.1: every 10 minutes) over the same 14 days, so any scale
 * has the history a model needs; above 1 the days grow.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedFiles, GenerateOptions } from '../../../pipelines/workloads/workload-generator.ts';
import { CsvFileWriter, csvLine } from '../../../pipelines/workloads/generate/csv-writer.ts';
import { Random } from '../../../pipelines/workloads/generate/random.ts';
import { STATE_CAPITAL_CITY_IDS, WEATHER_CURRENT_LANDING } from '../sources.ts';

export const MAX_SCALE = 20;
export const MAX_BAD_ROWS = 0.5;
export const DEFAULT_SEED = 42;
/** Apart from other workloads' manifests, so both can be generated into one --data folder. */
export const MANIFEST_FILE = '_manifest-weather.json';
/** The first poll: the start of March, the end of the rainy season over most of Brazil. */
export const FIRST_POLL = Date.UTC(2026, 2, 2);
const DAYS_AT_SCALE_ONE = 14;

export const BAD_ROW_KINDS = ['unparseable_time', 'out_of_range', 'empty_key', 'repolled'] as const;
export type WeatherBadRowKind = (typeof BAD_ROW_KINDS)[number];

/** Latitude (climate) and UTC offset (local time of the daily cycle) of each state capital. */
const CAPITALS: Readonly<Record<string, { readonly latitude: number; readonly utcOffset: number; readonly wetness: number }>> = {
  AC: { latitude: -9.97, utcOffset: -5, wetness: 0.6 },
  AL: { latitude: -9.67, utcOffset: -3, wetness: 0.4 },
  AM: { latitude: -3.12, utcOffset: -4, wetness: 0.9 },
  AP: { latitude: 0.03, utcOffset: -3, wetness: 0.9 },
  BA: { latitude: -12.97, utcOffset: -3, wetness: 0.4 },
  CE: { latitude: -3.73, utcOffset: -3, wetness: 0.6 },
  DF: { latitude: -15.79, utcOffset: -3, wetness: 0.5 },
  ES: { latitude: -20.32, utcOffset: -3, wetness: 0.3 },
  GO: { latitude: -16.68, utcOffset: -3, wetness: 0.5 },
  MA: { latitude: -2.53, utcOffset: -3, wetness: 0.8 },
  MG: { latitude: -19.92, utcOffset: -3, wetness: 0.4 },
  MS: { latitude: -20.44, utcOffset: -4, wetness: 0.4 },
  MT: { latitude: -15.6, utcOffset: -4, wetness: 0.5 },
  PA: { latitude: -1.46, utcOffset: -3, wetness: 1 },
  PB: { latitude: -7.12, utcOffset: -3, wetness: 0.4 },
  PE: { latitude: -8.05, utcOffset: -3, wetness: 0.5 },
  PI: { latitude: -5.09, utcOffset: -3, wetness: 0.6 },
  PR: { latitude: -25.43, utcOffset: -3, wetness: 0.4 },
  RJ: { latitude: -22.91, utcOffset: -3, wetness: 0.3 },
  RN: { latitude: -5.79, utcOffset: -3, wetness: 0.4 },
  RO: { latitude: -8.76, utcOffset: -4, wetness: 0.7 },
  RR: { latitude: 2.82, utcOffset: -4, wetness: 0.3 },
  RS: { latitude: -30.03, utcOffset: -3, wetness: 0.3 },
  SC: { latitude: -27.6, utcOffset: -3, wetness: 0.4 },
  SE: { latitude: -10.91, utcOffset: -3, wetness: 0.3 },
  SP: { latitude: -23.55, utcOffset: -3, wetness: 0.4 },
  TO: { latitude: -10.18, utcOffset: -3, wetness: 0.5 },
};

export interface WeatherManifest extends GeneratedFiles {
  readonly generator: 'strata generate';
  readonly dataset: 'weather';
  readonly scale: number;
  readonly seed: number;
  readonly badRows: number;
  readonly pollMinutes: number;
  readonly days: number;
  readonly firstPoll: string;
  /** Share of the city-hours with rain. */
  readonly rainShare: number;
  readonly badRowKinds: Readonly<Record<WeatherBadRowKind, number>>;
}

/** The polling interval and span a scale means. */
export function pollPlan(scale: number): { pollMinutes: number; days: number } {
  if (scale >= 1) return { pollMinutes: 1, days: Math.round(DAYS_AT_SCALE_ONE * scale) };
  return { pollMinutes: Math.min(60, Math.max(1, Math.round(1 / scale))), days: DAYS_AT_SCALE_ONE };
}

/** One city-hour of the simulated weather: what every poll of the hour observes, with noise. */
interface HourState {
  readonly temperature: number;
  readonly humidity: number;
  readonly pressure: number;
  readonly wind: number;
  readonly clouds: number;
  /** mm in the hour; 0 dry. */
  readonly rain: number;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const logistic = (value: number) => 1 / (1 + Math.exp(-value));

/** The hours of one city, simulated from its own random stream. */
function simulateCity(state: string, hours: number, seed: number): HourState[] {
  const climate = CAPITALS[state]!;
  const random = new Random(seed, `weather:${state}`);
  const baseTemperature = 27.5 - 0.3 * Math.max(0, Math.abs(climate.latitude) - 5);
  const systemPeriod = 72 + random.next() * 72;
  const systemPhase = random.next() * 2 * Math.PI;
  let moisture = climate.wetness - 0.5 + random.normal() * 0.3;
  let pressureNoise = 0;
  let raining = false;
  const states: HourState[] = [];
  for (let hour = 0; hour < hours; hour++) {
    const localHour = (((hour + climate.utcOffset) % 24) + 24) % 24;
    const heating = Math.sin((2 * Math.PI * (localHour - 9)) / 24);
    moisture = 0.93 * moisture + 0.07 * (climate.wetness - 0.5) + random.normal() * 0.12;
    pressureNoise = 0.85 * pressureNoise + random.normal() * 0.4;
    const system = 4 * Math.sin((2 * Math.PI * hour) / systemPeriod + systemPhase);
    const tide = 1.1 * Math.cos((2 * Math.PI * (localHour - 10)) / 12);
    const pressure = 1012 - 0.12 * Math.max(0, Math.abs(climate.latitude) - 20) + system + tide + pressureNoise;
    const pressureTrend = -(4 * 2 * Math.PI * Math.cos((2 * Math.PI * hour) / systemPeriod + systemPhase)) / systemPeriod;
    // Rain starts with moisture, a falling barometer and afternoon convection; once started it tends to go on.
    const onset = logistic(-3.7 + 2.4 * moisture - 1.6 * pressureTrend + 1.1 * Math.max(0, heating) * (0.5 + climate.wetness));
    raining = raining ? random.chance(0.45 + 0.25 * clamp(moisture, 0, 1)) : random.chance(onset);
    const rain = raining ? Math.min(60, random.logNormal(1.2 + 2 * Math.max(0, moisture), 0.9)) : 0;
    const temperature = baseTemperature + 4.5 * heating - (raining ? 2.5 : 0) + random.normal() * 0.6;
    const humidity = clamp(68 + 22 * moisture - 2.2 * (temperature - baseTemperature) + (raining ? 12 : 0) + random.normal() * 3, 8, 100);
    const clouds = clamp(35 + 45 * moisture + 12 * Math.max(0, heating) + (raining ? 35 : 0) + random.normal() * 10, 0, 100);
    const wind = Math.max(0, 2.5 + (raining ? 2 : 0) + random.normal() * 1.2);
    states.push({ temperature, humidity, pressure, wind, clouds, rain });
  }
  return states;
}

const CONDITION = (rain: number, clouds: number) => (rain >= 8 ? 'Thunderstorm' : rain >= 0.5 ? 'Rain' : rain > 0 ? 'Drizzle' : clouds >= 50 ? 'Clouds' : 'Clear');

export function validateWeatherOptions(options: Pick<GenerateOptions, 'scale' | 'seed' | 'badRows'>): void {
  const { scale, seed, badRows } = options;
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) throw new RangeError(`scale must be a number greater than 0 and at most ${MAX_SCALE} (got ${scale})`);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be a whole number from 0 to ${0xffffffff} (got ${seed})`);
  if (!Number.isFinite(badRows) || badRows < 0 || badRows > MAX_BAD_ROWS) throw new RangeError(`bad rows must be a fraction from 0 to ${MAX_BAD_ROWS} (got ${badRows})`);
}

export async function generateWeather(options: GenerateOptions): Promise<WeatherManifest> {
  validateWeatherOptions(options);
  const { seed, badRows } = options;
  const { pollMinutes, days } = pollPlan(options.scale);
  mkdirSync(options.outDir, { recursive: true });
  const started = performance.now();
  const file = WEATHER_CURRENT_LANDING.file;
  const writer = new CsvFileWriter(join(options.outDir, file), Object.keys(WEATHER_CURRENT_LANDING.columns));
  const corrupt = new Random(seed, 'weather:bad-rows');
  const injected = Object.fromEntries(BAD_ROW_KINDS.map((kind) => [kind, 0])) as Record<WeatherBadRowKind, number>;
  const hours = days * 24;
  const cities = Object.entries(STATE_CAPITAL_CITY_IDS);
  const weather = new Map(cities.map(([state]) => [state, simulateCity(state, hours, seed)]));
  const noise = new Random(seed, 'weather:observations');
  let rainyHours = 0;
  for (const [state] of cities) rainyHours += weather.get(state)!.filter((hour) => hour.rain > 0).length;

  let cleanRows = 0;
  for (let minute = 0; minute < hours * 60; minute += pollMinutes) {
    const hour = Math.floor(minute / 60);
    const observedAt = Math.floor(FIRST_POLL / 1000) + minute * 60;
    for (const [state, { city, id }] of cities) {
      const now = weather.get(state)![hour]!;
      // The rain since the hour began: the hour's last poll holds the hour's rain at any polling interval. (The API's
      // window trails 60 minutes; polled every minute, the hour's last poll holds the same.)
      const rainLastHour = (now.rain * ((minute % 60) + pollMinutes)) / 60;
      const fields = [
        String(id),
        city,
        String(observedAt),
        (now.temperature + noise.normal() * 0.15).toFixed(2),
        String(Math.round(clamp(now.humidity + noise.normal() * 1.5, 0, 100))),
        (now.pressure + noise.normal() * 0.2).toFixed(1),
        Math.max(0, now.wind + noise.normal() * 0.4).toFixed(2),
        String(Math.round(clamp(now.clouds + noise.normal() * 3, 0, 100))),
        rainLastHour > 0.005 ? rainLastHour.toFixed(2) : '',
        CONDITION(now.rain, now.clouds),
      ];
      await writer.writeLine(csvLine(fields));
      cleanRows++;
      if (badRows > 0 && corrupt.chance(badRows)) {
        const kind = BAD_ROW_KINDS[corrupt.int(0, BAD_ROW_KINDS.length - 1)]!;
        const bad = [...fields];
        if (kind === 'unparseable_time') bad[2] = new Date(observedAt * 1000).toISOString();
        else if (kind === 'out_of_range') bad[4] = String(101 + corrupt.int(0, 40));
        else if (kind === 'empty_key') bad[0] = '';
        // repolled: the same observation served again, as the API does between station updates.
        injected[kind]++;
        await writer.writeLine(csvLine(bad));
      }
    }
  }
  await writer.close();
  options.onProgress?.({ file, rows: writer.rows, bytes: writer.bytes, seconds: (performance.now() - started) / 1000 });

  const manifest: WeatherManifest = {
    generator: 'strata generate',
    dataset: 'weather',
    scale: options.scale,
    seed,
    badRows,
    pollMinutes,
    days,
    firstPoll: new Date(FIRST_POLL).toISOString(),
    rainShare: Number((rainyHours / (hours * cities.length)).toFixed(4)),
    badRowKinds: injected,
    files: { [file]: { rows: writer.rows, cleanRows } },
  };
  writeFileSync(join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
