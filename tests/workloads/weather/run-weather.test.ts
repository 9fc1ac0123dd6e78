/**
 * The weather workload end to end, as a team would try it: generated polls
 * (with malformed ones) through `strata run --flows all` on the default
 * environment, which also enables Olist, whose models have no data here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTableRows } from '../../support/parquet-rows.ts';
import { runStrata, type CliResult } from '../../support/run-cli.ts';
import { MANIFEST_FILE, type WeatherManifest } from '../../../workloads/weather/generate/generate-weather.ts';

const PINNED = { env: { STRATA_VERSION: '0.1.0+run-weather-test' } };

interface Report {
  status: string;
  tables: Record<string, { raw: number; trusted: number; quarantined: number; status: string }>;
  models: { name: string; version: number; auc?: { train: number; test: number; oot: number }; charts: string[] }[];
  skippedModels?: { name: string; reason: string }[];
}

describe('strata run --flows all on generated weather polls', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-weather-'));
  const data = join(work, 'data');
  const lake = join(work, 'lake');
  let manifest: WeatherManifest;
  let result: CliResult;
  let report: Report;
  beforeAll(() => {
    // Every 20 minutes over 14 days, 1% of the polls malformed.
    const generated = runStrata(['generate', '--workload', 'weather', '--scale', '0.05', '--bad-rows', '0.01', '--out', data]);
    expect(generated.status, generated.stderr).toBe(0);
    manifest = JSON.parse(readFileSync(join(data, MANIFEST_FILE), 'utf8')) as WeatherManifest;
    result = runStrata(['run', '--data', data, '--lake', lake, '--flows', 'all'], PINNED);
    const runId = /^run (run-\S+) (succeeded|failed) in /m.exec(result.stdout)?.[1];
    report = JSON.parse(readFileSync(join(lake, '_runs', `${runId}.json`), 'utf8')) as Report;
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('succeeds', () => {
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(report.status).toBe('succeeded');
  });

  it('loses no poll: every one is in trusted or in quarantine, and every malformed one is quarantined', () => {
    const file = manifest.files['weather_current.csv']!;
    expect(manifest.pollMinutes).toBe(20);
    expect(file.rows).toBeGreaterThan(file.cleanRows);
    expect(report.tables.weather_current).toMatchObject({ raw: file.rows, trusted: file.cleanRows, quarantined: file.rows - file.cleanRows });
  });

  it('trains, gates, registers and scores the rain-next-hour model with charts, from the hourly table', async () => {
    const rain = report.models.find((model) => model.name === 'rain-next-hour')!;
    expect(rain).toMatchObject({ version: 1 });
    // The simulation's rain follows humidity, pressure trend, clouds and the hour: well above chance out of time.
    expect(rain.auc!.oot).toBeGreaterThan(0.7);
    expect(rain.charts).toHaveLength(3);
    expect(await countTableRows(lake, 'refined', 'weather_hourly')).toBe(14 * 24 * 27);
    expect(await countTableRows(lake, 'refined', 'rain_next_hour_scores')).toBe(27);
    expect(result.stdout).toMatch(/\nmodel rain-next-hour v0001 \(\S+, embedded\): AUC train \d\.\d{3} test \d\.\d{3} OOT \d\.\d{3}, f1_oot \d\.\d{3}; promoted to champion\n/);
  });

  it('skips the Olist models, which have no data here, naming why', () => {
    expect(report.skippedModels?.map((model) => model.name)).toEqual(['seller-churn', 'seller-segments', 'order-delay', 'seller-activation', 'purchase-recommendation']);
    for (const model of report.skippedModels!) expect(model.reason).toMatch(/^no data yet: workload olist has no row in any of its 10 trusted tables/);
  });
});
