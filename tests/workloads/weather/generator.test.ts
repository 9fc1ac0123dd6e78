/** The weather generator (workloads/weather/generate/generate-weather.ts): what a scale means, and that a seed gives the same files. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateWeather, pollPlan } from '../../../workloads/weather/generate/generate-weather.ts';
import { WEATHER_CURRENT_LANDING } from '../../../workloads/weather/sources.ts';

const work = mkdtempSync(join(tmpdir(), 'strata-weather-gen-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const generate = (name: string, options: { scale?: number; seed?: number; badRows?: number } = {}) =>
  generateWeather({ scale: options.scale ?? 0.1, seed: options.seed ?? 42, badRows: options.badRows ?? 0, outDir: join(work, name) });

describe('the weather generator', () => {
  it('thins the polls below scale 1 over the same 14 days, and adds days above it', () => {
    expect(pollPlan(1)).toEqual({ pollMinutes: 1, days: 14 });
    expect(pollPlan(0.1)).toEqual({ pollMinutes: 10, days: 14 });
    expect(pollPlan(0.001)).toEqual({ pollMinutes: 60, days: 14 });
    expect(pollPlan(2)).toEqual({ pollMinutes: 1, days: 28 });
  });

  it('writes the CSV the poller lands, one row per capital per poll, with rain the rare class', async () => {
    const manifest = await generate('a');
    const lines = readFileSync(join(work, 'a', 'weather_current.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(Object.keys(WEATHER_CURRENT_LANDING.columns).join(','));
    expect(lines).toHaveLength(1 + 14 * 24 * 6 * 27);
    expect(manifest.files['weather_current.csv']).toEqual({ rows: 14 * 24 * 6 * 27, cleanRows: 14 * 24 * 6 * 27 });
    expect(manifest.rainShare).toBeGreaterThan(0.04);
    expect(manifest.rainShare).toBeLessThan(0.2);
    // A dry poll leaves rain_1h_mm blank, as the API leaves the field out.
    expect(lines.some((line) => line.split(',')[8] === '')).toBe(true);
  });

  it('gives the same bytes for the same seed, and other bytes for another', async () => {
    await generate('b');
    await generate('c', { seed: 7 });
    const file = (name: string) => readFileSync(join(work, name, 'weather_current.csv'));
    expect(file('b').equals(file('a'))).toBe(true);
    expect(file('c').equals(file('a'))).toBe(false);
  });

  it('adds malformed polls after clean ones at the share asked for, counting each kind', async () => {
    const manifest = await generate('bad', { badRows: 0.05 });
    const { rows, cleanRows } = manifest.files['weather_current.csv']!;
    expect(rows - cleanRows).toBe(Object.values(manifest.badRowKinds).reduce((sum, count) => sum + count, 0));
    expect((rows - cleanRows) / cleanRows).toBeCloseTo(0.05, 2);
    for (const count of Object.values(manifest.badRowKinds)) expect(count).toBeGreaterThan(0);
  });

  it('refuses a scale, seed or share it cannot honour, naming the limit', async () => {
    await expect(generate('x', { scale: 21 })).rejects.toThrow(/scale must be a number greater than 0 and at most 20 \(got 21\)/);
    await expect(generate('x', { badRows: 0.6 })).rejects.toThrow(/bad rows must be a fraction from 0 to 0.5 \(got 0.6\)/);
  });
});
