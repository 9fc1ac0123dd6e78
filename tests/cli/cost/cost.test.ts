import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironment, ConfigError } from '../../../config/load-environment.ts';
import { estimateCost, type CostLine } from '../../../cli/cost/estimate.ts';
import { loadPriceBook, staleWarnings } from '../../../cli/cost/price-book.ts';
import { runsPerMonth } from '../../../cli/cost/schedules.ts';
import { loadUsage } from '../../../cli/cost/usage.ts';
import { readSynthOutput } from '../../../cli/synthesized/synth-output.ts';
import { fixtureFolder } from '../plan/fixture-folders.ts';

const book = loadPriceBook();
const prod = loadEnvironment({ env: 'prod' }).environment;
const medium = loadUsage('medium').profile;

describe('runs per month from a schedule', () => {
  it.each([
    ['rate(1 minute)', 43_800],
    ['rate(5 minutes)', 8_760],
    ['rate(1 hour)', 730],
    ['rate(1 day)', 30.416666666666668],
    ['cron(15 * * * ? *)', 730],
    ['cron(15 */6 * * ? *)', 121.66666666666667],
    ['cron(0 3 ? * MON *)', 52 / 12],
    ['cron(0 12 1 * ? *)', 1],
  ])('counts %s as %d runs (730-hour month; cron averaged over a year)', (expression, expected) => {
    expect(runsPerMonth(expression)).toBeCloseTo(expected, 9);
  });
});

describe('price book', () => {
  const write = (items: unknown[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-prices-'));
    writeFileSync(join(dir, 'aws.json'), JSON.stringify({ cloud: 'aws', region: 'eu-west-1', currency: 'USD', items }));
    return dir;
  };
  const row = { id: 'x', description: 'x', unit: 'GB-month', price: 1, region: 'eu-west-1', source: 'https://aws.amazon.com/s3/pricing/', read: '2026-11-22' };

  it('gives every shipped row a unit, a price, a region, a source URL and the date it was read', () => {
    for (const item of book.rows.values()) {
      expect(item.source).toMatch(/^https:\/\//);
      expect(item.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.price > 0 || item.free === true, item.id).toBe(true);
    }
  });

  it('refuses a zero price that is not marked free, naming the file and the row', () => {
    expect(() => loadPriceBook(write([{ ...row, price: 0 }]))).toThrow(ConfigError);
    expect(() => loadPriceBook(write([{ ...row, price: 0 }]))).toThrow(/aws\.json: items\[0\] \(x\): price = 0: a zero price must be marked "free": true/);
    expect(() => loadPriceBook(write([{ ...row, price: 0, free: true }]))).not.toThrow();
  });

  it('refuses a row without a source URL or read date', () => {
    expect(() => loadPriceBook(write([{ ...row, source: 'the website', read: 'last year' }]))).toThrow(/source = "the website": must be an https:\/\/ URL[\s\S]*read = "last year": must be the date the price was read, YYYY-MM-DD/);
  });

  it('warns when a row was read more than 180 days ago', () => {
    const old = loadPriceBook(write([{ ...row, read: '2026-01-01' }]));
    expect(staleWarnings(old, '2026-11-22')[0]).toMatch(/^warning: 1 price row\(s\) were read more than 180 days ago \(oldest 2026-01-01, 325 days\)/);
    expect(staleWarnings(book, '2026-11-22')).toEqual([]);
  });
});

describe('cost lines against hand-computed figures (prod, medium usage)', () => {
  const synth = readSynthOutput(fixtureFolder('databricks-autoscale', 'base'));
  const lines = estimateCost({ environment: prod, usage: medium, book, synth }).clouds.flatMap((cloud) => cloud.lines);
  const byId = (id: string) => lines.find((line) => line.id === id) as CostLine;

  it('prices interactive Databricks compute as (driver + workers) x (VM + DBU x rate) per hour, workers within the cluster policy autoscale range', () => {
    // 40 sessions x (2 h + 30 min idle) = 100 h; driver 0.253 + 0.55 = 0.803; worker 0.253 x 0.2 + 0.55 = 0.6006
    const line = byId('azure.databricks.allPurpose');
    expect(line.expected).toBeCloseTo(100 * (0.803 + 5 * 0.6006), 6); // 2 + 0.5 x (8 - 2) = 5 workers
    expect(line.min).toBeCloseTo(100 * (0.803 + 2 * 0.6006), 6);
    expect(line.max).toBeCloseTo(100 * (0.803 + 8 * 0.6006), 6);
    expect(line.formula).toContain('= $380.60; autoscale 2..8 workers (cluster policy): min $200.42, max $560.78');
  });

  it('no longer prices job clusters: the pipelines run their SQL on the pipelines warehouse', () => {
    expect(lines.some((line) => line.id === 'azure.databricks.jobs')).toBe(false);
  });

  it('prices the serverless SQL warehouse as hours x clusters x DBU per hour x rate (an untagged warehouse is the BI one)', () => {
    // 44 starts x (4 h + 10 min) = 183.33 h; Small = 12 DBU/h; clusters 1 + 0.25 x 2 = 1.5; $0.70/DBU
    expect(byId('azure.databricks.sql').expected).toBeCloseTo(44 * (4 + 10 / 60) * 1.5 * 12 * 0.7, 6);
    expect(byId('azure.databricks.sql').formula).toContain('183.33 h x 1.5 clusters x 12 DBU/h x $0.7 = $2,310.00');
  });
});

describe('AWS cost lines against hand-computed figures', () => {
  const synth = readSynthOutput(fixtureFolder('lambda-code-only', 'base'));
  const aws = estimateCost({ environment: prod, usage: medium, book, synth }).clouds.find((cloud) => cloud.cloud === 'aws')!;
  const byId = (id: string) => aws.lines.find((line) => line.id === id) as CostLine;

  it('prices Lambda per handler class from the schedule of its flow and sizing.lambda', () => {
    // ingest: 43,800 polls + 2,230 ingest runs (730 sweeps of rate(1 hour) + 1,500 file drops) x 1 = 46,030 calls;
    // 46,030 x 8 s x 1.875 GB (1920 MB, from prod's ingestion limits) x $0.0000133334 = $9.2064, + 46,030/1M x $0.20 = $0.0092: $9.22
    expect(byId('aws.lambda.ingest').expected).toBeCloseTo(46_030 * 8 * 1.875 * 0.0000133334 + (46_030 / 1e6) * 0.2, 9);
    expect(byId('aws.lambda.ingest').formula).toBe(
      '2,230 ingest runs (schedules.ingestSweep rate(1 hour) + 1,500 file drops, usage ingestion.fileDropsPerMonth) x 1 + 43,800 API polls (schedules.ingest rate(1 minute)) = 46,030 invocations; 46,030 x 8 s x 1.88 GB x $0.0000133334 (arm64) + 46,030/1M x $0.2 = $9.22',
    );
    // ml: 4.33 retrain runs x 13 handler calls (features, then 6 per model) x 20 s x 4 GB
    expect(byId('aws.lambda.ml').expected).toBeCloseTo((52 / 12) * 13 * 20 * 4 * 0.0000133334 + ((52 / 12) * 13 / 1e6) * 0.2, 9);
  });

  it('prices the ingest state machine per file drop and sweep, not per minute', () => {
    const machine = { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } }) } };
    const synth = { dir: '', aws: [{ name: 'strata-prod-pipelines', template: { Resources: { ingestFlowStateMachine: machine } }, paths: new Map([['ingestFlowStateMachine', 'ingestFlow/StateMachine']]) }], azure: [], findings: [], acknowledgements: [] };
    const lines = estimateCost({ environment: prod, usage: medium, book, synth: synth as never }).clouds.flatMap((cloud) => cloud.lines);
    const ingest = lines.find((line) => line.id.includes('ingestFlow'))!;
    // 730 sweeps (rate(1 hour)) + 1,500 drops = 2,230 executions x 2 states x $0.025 per 1,000 transitions
    expect(ingest.expected).toBeCloseTo((2_230 * 2 * 0.025) / 1000, 9);
    expect(ingest.formula).toMatch(/^2,230 executions \(schedules\.ingestSweep rate\(1 hour\) \+ 1,500 file drops, usage ingestion\.fileDropsPerMonth\) x 2 states/);
  });

  it('prices SageMaker spot training from the retrain schedule, capped by maxRuntimeMinutes', () => {
    // 4.33 runs x 1 instance x 30 min / 60 x $0.257 x 0.3
    expect(byId('aws.sagemaker.training').expected).toBeCloseTo((52 / 12) * 0.5 * 0.257 * 0.3, 9);
    expect(byId('aws.sagemaker.training').max).toBeCloseTo((52 / 12) * 1 * 0.257 * 0.3, 9);
  });

  it('leaves out what the synthesized templates do not declare', () => {
    expect(aws.lines.some((line) => line.id.startsWith('aws.s3'))).toBe(false);
    expect(aws.lines.some((line) => line.id.startsWith('aws.glue.crawler'))).toBe(false);
  });
});

describe('usage profiles', () => {
  it('ships small, medium and large', () => {
    for (const name of ['small', 'medium', 'large']) expect(loadUsage(name).profile.description.length).toBeGreaterThan(0);
  });

  it('refuses a profile with a bad value, naming the file and the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-usage-'));
    const file = join(dir, 'mine.json');
    const profile = structuredClone(medium) as Record<string, any>;
    profile.databricks.autoscaleUtilisation = 2;
    writeFileSync(file, JSON.stringify(profile));
    expect(() => loadUsage(file, dir)).toThrow(/mine\.json: databricks\.autoscaleUtilisation: must be a number from 0 to 1/);
  });
});
