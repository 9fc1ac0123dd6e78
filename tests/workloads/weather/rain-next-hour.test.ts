/**
 * The weather workload's tables and the rain-next-hour model's SQL and
 * builder (datasets/weather_current.yaml, weather_hourly.yaml, sql/,
 * rain-next-hour.ts, ml/build-rain-next-hour.ts) on hand-made polls whose
 * hours, features, labels and split are worked out by hand below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRefined } from '../../../lambdas/transform/build-refined.ts';
import { SPLITS } from '../../../pipelines/models/model.ts';
import { DIALECTS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel, type Relations } from '../../../pipelines/sql/render.ts';
import { datasetNamed } from '../../support/catalog.ts';
import { buildRainNextHourAbt, rainNextHourScoringRelation, type RainNextHourTrainingSet } from '../../../workloads/weather/ml/build-rain-next-hour.ts';
import { abtRainNextHour, RAIN_NEXT_HOUR_DATASETS, RAIN_NEXT_HOUR_FEATURES, rainNextHour } from '../../../workloads/weather/rain-next-hour.ts';
import { closeDatabase, openLake, type TestLake } from '../../pipelines/support/lake.ts';

const FEATURES = RAIN_NEXT_HOUR_FEATURES.map((column) => column.name);
const DEFAULTS = { ootSnapshots: [] as string[], seed: 42, testFraction: 0.3 };
const epoch = (iso: string) => String(Date.parse(`${iso}Z`) / 1000);

/**
 * City 1 (Manaus) is polled every 30 minutes from 2026-03-02 00:00 to
 * 2026-03-05 23:30 (four full days, 96 hours); it rains in hours 10, 11 and
 * 40 (counted from the first), as the hour's last poll reports. Pressure
 * falls by 1 hPa an hour. City 2 (Belém) is polled at 00:10 and 01:40 on
 * 2026-03-02 and 03:20 (a gap in the polling at 02), then not again.
 */
function polls(): string[] {
  const lines: string[] = [];
  const start = Date.parse('2026-03-02T00:00:00Z');
  for (let hour = 0; hour < 96; hour++) {
    for (const minute of [0, 30]) {
      const at = new Date(start + (hour * 60 + minute) * 60_000).toISOString().slice(0, 19);
      const rainy = [10, 11, 40].includes(hour);
      // The first poll of hour 12 still reports hour 11's rain (the API's window trails an hour); the hour's last does not.
      const rain = rainy ? (minute === 0 ? '0.40' : '1.20') : hour === 12 && minute === 0 ? '0.80' : '';
      lines.push(`3663517,Manaus,${epoch(at)},${minute === 0 ? '26.00' : '28.00'},${80 + (hour % 5)},${1050 - hour},2.00,${rainy ? 90 : 40},${rain},${rainy ? 'Rain' : 'Clouds'}`);
    }
  }
  lines.push(`3405870,Belém,${epoch('2026-03-02T00:10:00')},30.00,70,1010.0,1.00,20,,Clear`);
  lines.push(`3405870,Belém,${epoch('2026-03-02T01:40:00')},29.00,72,1009.0,1.00,20,,Clear`);
  lines.push(`3405870,Belém,${epoch('2026-03-02T03:20:00')},28.00,74,1008.0,1.00,20,,Clear`);
  return lines;
}

type Row = Record<string, string | null>;

describe('rain-next-hour definitions and SQL', () => {
  const names: Relations = { source: (table) => `src_${table}`, ref: (layer, table) => `${layer}.${table}` };

  for (const table of ['rain_next_hour_features', 'abt_rain_next_hour', 'rain_next_hour_latest']) {
    it(`renders ${table}.sql for every engine with every macro expanded and no comment left`, () => {
      const model = loadModel('ml', table);
      expect(model.file).toBe(`workloads/weather/sql/ml/${table}.sql`);
      expect(model.text).toMatch(new RegExp(`^-- ${table}: `));
      for (const dialect of DIALECTS) {
        const sql = renderModel(model, dialect, names, { ml: { rain_next_hour_features: '(select 1) features', oot_snapshots: 'tmp_oot' }, params: { seed: '42', test_fraction: 0.3 } });
        expect(sql, dialect).not.toMatch(/\{\{|\}\}/);
        expect(sql, dialect).not.toMatch(/^\s*--/m);
      }
    });
  }

  it('declares the ABT as city_hour, dt_reference, label, split, then numeric features, each described; the model oversamples rain and gates on F1', () => {
    expect(abtRainNextHour.columns.map((column) => column.name)).toEqual(['city_hour', 'dt_reference', 'rain_next_hour', 'split', ...FEATURES]);
    expect(abtRainNextHour.columns.find((column) => column.name === 'split')!.acceptedValues).toEqual(SPLITS);
    for (const column of RAIN_NEXT_HOUR_FEATURES) expect(['int', 'bigint', 'double'], column.name).toContain(column.type);
    for (const dataset of RAIN_NEXT_HOUR_DATASETS) {
      expect(dataset.description, dataset.name).toMatch(/^[A-Z].*\.$/);
      for (const column of dataset.columns) expect(column.description, `${dataset.name}.${column.name}`).toMatch(/^[A-Z0-9].*\w.*\.$/);
    }
    expect(rainNextHour).toMatchObject({ kind: 'classifier', entity: 'city_hour', label: 'rain_next_hour', gateMetric: 'f1_oot', settings: { rebalance: { method: 'oversample' } } });
  });
});

describe('the weather workload on hand-made polls', () => {
  let lake: TestLake;
  let build: RainNextHourTrainingSet;
  let hourly: Record<string, Row>;
  let abt: Record<string, Row>;
  beforeAll(async () => {
    lake = await openLake();
    lake.writeRaw('weather_current', [...polls(), `3663517,Manaus,not-a-time,26.00,80,1000.0,2.00,40,,Clouds`, `3405870,Belém,${epoch('2026-03-02T05:00:00')},29.00,140,1009.0,1.00,20,,Clear`]);
    await lake.build('weather_current');
    await buildRefined({ engine: lake.engine, store: lake.store }, datasetNamed('weather_hourly', 'refined'));
    const key = (row: Row) => `${row.city_id}@${row.hour_start}`;
    hourly = Object.fromEntries((await lake.table('refined', 'weather_hourly')).map((row) => [key(row), row]));
    build = await buildRainNextHourAbt(lake.engine, DEFAULTS);
    abt = Object.fromEntries((await lake.table('refined', 'abt_rain_next_hour')).map((row) => [row.city_hour!, row]));
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('types the polls (epoch seconds as UTC timestamps) and quarantines a bad time and humidity above 100', async () => {
    const trusted = await lake.table('trusted', 'weather_current');
    expect(trusted).toHaveLength(96 * 2 + 3);
    expect(trusted.find((row) => row.city === 'Belém')!.observed_at).toBe('2026-03-02 00:10:00');
    const quarantined = await lake.table('dataquality', 'quarantine/weather_current', 'reason');
    expect(quarantined.map((row) => row.reason)).toEqual(['humidity_pct: above the maximum 100', 'observed_at: not a timestamp (yyyy-MM-dd HH:mm:ss)']);
  });

  it('sums up each city-hour: means, and the rain of the hour’s latest poll, so the trailing report of the hour before is not rain', () => {
    expect(Object.keys(hourly)).toHaveLength(96 + 3);
    expect(hourly['3663517@2026-03-02 11:00:00']).toMatchObject({ observations: '2', temperature_c: '27.0', rain_mm: '1.2', rained: '1', city: 'Manaus' });
    expect(hourly['3663517@2026-03-02 12:00:00']).toMatchObject({ rain_mm: '0.0', rained: '0' });
    expect(hourly['3405870@2026-03-02 03:00:00']).toMatchObject({ observations: '1', rain_mm: '0.0', rained: '0' });
  });

  it('labels an hour by the next hour’s rain, and only when the next hour was polled', () => {
    expect(abt['3663517@2026-03-02T09']!.rain_next_hour).toBe('1');
    expect(abt['3663517@2026-03-02T10']!.rain_next_hour).toBe('1');
    expect(abt['3663517@2026-03-02T11']!.rain_next_hour).toBe('0');
    // Belém: 00 -> 01 is labelled; 01 is followed by 03 (a gap) and 03 by nothing.
    expect(abt['3405870@2026-03-02T00']!.rain_next_hour).toBe('0');
    expect(abt['3405870@2026-03-02T01']).toBeUndefined();
    expect(abt['3405870@2026-03-02T03']).toBeUndefined();
    // Manaus' last hour has no next.
    expect(abt['3663517@2026-03-05T23']).toBeUndefined();
    expect(build.rows).toBe(95 + 1);
  });

  it('computes changes only against the hour exactly that far back, and counts the rain hours of the last six', () => {
    const hour13 = abt['3663517@2026-03-02T13']!;
    expect(Number(hour13.pressure_change_3h)).toBeCloseTo(-3, 9);
    expect(Number(hour13.rain_hours_6h)).toBe(2);
    expect(Number(hour13.hour_of_day)).toBe(13);
    expect(Number(abt['3663517@2026-03-02T10']!.cloudiness_change_1h)).toBeCloseTo(50, 9);
    // The first hours have nothing three hours back.
    expect(abt['3663517@2026-03-02T02']!.pressure_change_3h).toBeNull();
    expect(abt['3405870@2026-03-02T00']!.temperature_change_1h).toBeNull();
  });

  it('holds out the latest two full days as out-of-time, and splits the rest by class with the seed', () => {
    // 2026-03-05 has 23 labelled hours (its last has no next): still full, beside 03-04's 24.
    expect(build.oot).toEqual(['2026-03-04', '2026-03-05']);
    expect(build.splits.oot).toBe(24 + 23);
    expect(build.splits.train + build.splits.test).toBe(96 - 47);
    expect(build.positives).toEqual({ train: expect.any(Number), test: expect.any(Number), oot: 0 });
    expect(build.positives.train + build.positives.test).toBe(3);
    expect(new Set(Object.values(abt).map((row) => row.split))).toEqual(new Set(SPLITS));
  });

  it('takes configured out-of-time days, and refuses a day it does not hold, naming the setting and what is allowed', async () => {
    const configured = await buildRainNextHourAbt(lake.engine, { ...DEFAULTS, ootSnapshots: ['2026-03-03'] });
    expect(configured.oot).toEqual(['2026-03-03']);
    await expect(buildRainNextHourAbt(lake.engine, { ...DEFAULTS, ootSnapshots: ['2018-08-01'] })).rejects.toThrow(
      /ootSnapshots \(models\.classifier, or models\.overrides\.rain-next-hour\): 2018-08-01 is not a labelled day of abt_rain_next_hour; allowed: 2026-03-02 to 2026-03-05/,
    );
  });

  it('scores each city’s latest hour, with the ABT’s features in its order', async () => {
    const scoring = await lake.rows(`select * from ${rainNextHourScoringRelation(lake.engine)} s`, 'city_hour');
    expect(scoring.map((row) => row.city_hour)).toEqual(['3405870@2026-03-02T03', '3663517@2026-03-05T23']);
    for (const feature of FEATURES) expect(scoring[0], feature).toHaveProperty(feature);
  });
});
