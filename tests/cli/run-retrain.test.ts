/**
 * `strata run` through the retrain flow, as a user runs it, in a child
 * process: the Olist sample ingested, processed and retrained into a fresh
 * lake; the run report, the feature store, the ABT, the scores and the
 * charts it leaves; `abt export` on that lake; a second retrain registering
 * v0002 without doubling anything; and prod refused locally because it
 * trains on SageMaker.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { FEATURE_DATASETS, SNAPSHOT_FEATURES } from '../../pipelines/datasets/features.ts';
import { countTableRows, pointerOf } from '../support/parquet-rows.ts';
import { runStrata, type CliResult } from '../support/run-cli.ts';

const SAMPLE = join(REPO_ROOT, 'tests', 'fixtures', 'olist-sample');

interface ReportedModel {
  name: string;
  version: number;
  engine: string;
  algorithm: string;
  auc?: { train: number; test: number; oot: number };
  silhouette?: number;
  promoted: boolean;
  champion: number;
  reason: string;
  charts: string[];
}

interface RunReport {
  runId: string;
  status: string;
  flows: { flow: string; status: string }[];
  states: { flow: string; name: string; rowsIn: number | null; rowsOut: number | null }[];
  models: ReportedModel[];
  notifications: { Subject: string; Message: Record<string, string> }[];
}

/** The run id the CLI prints on its last line, and the report it wrote under that id. */
function reportOf(lake: string, result: CliResult): RunReport {
  const runId = /^run (run-\S+) (succeeded|failed) in /m.exec(result.stdout)?.[1];
  expect(runId, result.stdout + result.stderr).toBeDefined();
  return JSON.parse(readFileSync(join(lake, '_runs', `${runId}.json`), 'utf8')) as RunReport;
}


/** Partition values of a refined table's committed version (by `key`), sorted. */
const partitions = (lake: string, table: string, key: string) => {
  const pointer = pointerOf(lake, 'refined', table);
  expect(pointer.partitionBy).toBe(key);
  return Object.keys(pointer.partitions).sort();
};

/** Rows of every table the retrain flow writes, counted from the files of their committed versions. */
async function retrainCounts(lake: string): Promise<Record<string, number>> {
  const tables = [...FEATURE_DATASETS.map((dataset) => dataset.name), 'abt_churn', 'segment_base', 'churn_scores', 'seller_segments'];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = await countTableRows(lake, 'refined', table);
  return counts;
}

const model = (report: RunReport, name: string) => report.models.find((item) => item.name === name)!;
const state = (report: RunReport, name: string) => report.states.find((item) => item.name === name)!;

describe('strata run --flows all on the Olist sample, then --flows retrain', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-retrain-'));
  const lake = join(work, 'lake');
  let first: CliResult;
  let report: RunReport;
  let counts: Record<string, number>;

  beforeAll(async () => {
    first = runStrata(['run', '--data', SAMPLE, '--lake', lake, '--flows', 'all']);
    report = reportOf(lake, first);
    counts = await retrainCounts(lake);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 0 with every flow succeeded, the retrain flow included', () => {
    expect(first.status, first.stderr + first.stdout).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(report.flows).toEqual([
      { flow: 'ingest', status: 'succeeded' },
      { flow: 'process', status: 'succeeded' },
      { flow: 'retrain', status: 'succeeded' },
    ]);
  });

  it('reports each model with its version, engine, AUC on train, test and OOT (or silhouette) and whether it was promoted', () => {
    expect(report.models.map((item) => item.name)).toEqual(['seller-churn', 'seller-segments']);
    const churn = model(report, 'seller-churn');
    expect(churn).toMatchObject({ version: 1, engine: 'embedded', promoted: true, champion: 1, reason: 'no champion yet: the first model becomes champion' });
    for (const split of ['train', 'test', 'oot'] as const) {
      expect(churn.auc![split], split).toBeGreaterThan(0.5);
      expect(churn.auc![split], split).toBeLessThanOrEqual(1);
    }
    const segments = model(report, 'seller-segments');
    expect(segments).toMatchObject({ version: 1, engine: 'embedded', algorithm: 'k-means', promoted: true });
    expect(segments.auc).toBeUndefined();
    expect(segments.silhouette).toBeGreaterThan(-1);
    expect(segments.silhouette).toBeLessThanOrEqual(1);
  });

  it('builds the six feature tables, one dt_reference partition per monthly snapshot', () => {
    expect(FEATURE_DATASETS.map((dataset) => dataset.name)).toHaveLength(6);
    const snapshots = partitions(lake, 'fs_seller_sales', 'dt_reference');
    expect(snapshots.length).toBeGreaterThan(12);
    expect(snapshots.every((date) => /^\d{4}-\d{2}-01$/.test(date))).toBe(true);
    for (const dataset of FEATURE_DATASETS) {
      expect(dataset.name).toMatch(/^fs_seller_/);
      expect(counts[dataset.name], dataset.name).toBeGreaterThan(0);
      for (const date of partitions(lake, dataset.name, 'dt_reference')) {
        expect(pointerOf(lake, 'refined', dataset.name).partitions[date]?.files.length, `${dataset.name} ${date}`).toBeGreaterThan(0);
      }
    }
  });

  it('writes the ABT and the latest snapshot’s scores, as many as the report says', () => {
    expect(counts.abt_churn).toBe(state(report, 'BuildTrainingSetOfSellerChurn').rowsOut);
    const latest = partitions(lake, 'fs_seller_sales', 'dt_reference').at(-1)!;
    expect(partitions(lake, 'churn_scores', 'dt_score')).toEqual([latest]);
    expect(counts.churn_scores).toBe(state(report, 'ScoreSellerChurn').rowsOut);
    expect(counts.churn_scores).toBeGreaterThan(0);
    expect(partitions(lake, 'seller_segments', 'dt_score')).toEqual([latest]);
    expect(counts.seller_segments).toBe(counts.churn_scores);
  });

  it('copies the churn model’s ROC, lift and importance charts beside the report', () => {
    const charts = ['importance', 'lift', 'roc'].map((name) => `${report.runId}/seller-churn-${name}.svg`);
    expect([...model(report, 'seller-churn').charts].sort()).toEqual(charts);
    for (const chart of charts) expect(readFileSync(join(lake, '_runs', chart), 'utf8'), chart).toMatch(/^(<\?xml[^>]*>\s*)?<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(first.stdout).toContain(`seller-churn-roc.svg`);
  });

  it('notifies once with each model’s one-line summary, as printed', () => {
    const retrained = report.notifications.filter((notification) => /models retrained$/.test(notification.Subject));
    expect(retrained).toHaveLength(1);
    const { sellerChurn, sellerSegments } = retrained[0]!.Message;
    expect(sellerChurn).toMatch(/^seller-churn v0001 \([a-z-]+, embedded\): AUC train 0\.\d{3} test 0\.\d{3} OOT 0\.\d{3}; promoted to champion$/);
    expect(sellerSegments).toMatch(/^seller-segments v0001 \(k-means, embedded\): silhouette -?\d\.\d{3}; promoted to champion$/);
    expect(first.stdout).toContain(`model ${sellerChurn}\n`);
    expect(first.stdout).toContain(`model ${sellerSegments}\n`);
  });

  it('lets abt export write the ABT the run built: header seller_id,dt_reference,churn,split,<features>, one line per row, ordered', () => {
    const out = join(work, 'exports', 'abt.csv');
    const exported = runStrata(['abt', 'export', '--lake', lake, '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(['seller_id', 'dt_reference', 'churn', 'split', ...SNAPSHOT_FEATURES.map((column) => column.name)].join(','));
    expect(lines).toHaveLength(counts.abt_churn! + 1);
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows.every((fields) => fields.length === SNAPSHOT_FEATURES.length + 4)).toBe(true);
    expect(rows.every(([, date, churn, split]) => /^\d{4}-\d{2}-01$/.test(date!) && /^[01]$/.test(churn!) && ['train', 'test', 'oot'].includes(split!))).toBe(true);
    const keys = rows.map(([seller, date]) => `${date}/${seller}`);
    expect(keys).toEqual([...keys].sort());
    // A missing feature is an empty field: single-sale-day sellers have no gap between sale days.
    expect(rows.some((fields) => fields[4 + SNAPSHOT_FEATURES.findIndex((column) => column.name === 'avg_days_between_sales')] === '')).toBe(true);
    expect(exported.stdout).toContain(`strata abt export: ${counts.abt_churn!.toLocaleString('en-US')} rows × ${SNAPSHOT_FEATURES.length} features -> `);
    // Written aside and renamed: nothing else is left in the folder.
    expect(readdirSync(join(work, 'exports'))).toEqual(['abt.csv']);
  });

  it('registers v0002 on a second retrain, promoted within the margin, and rewrites every table instead of adding to it', async () => {
    // --data only to skip generating a synthetic drop the retrain flow does not read.
    const second = runStrata(['run', '--data', SAMPLE, '--lake', lake, '--flows', 'retrain']);
    expect(second.status, second.stderr + second.stdout).toBe(0);
    const again = reportOf(lake, second);
    expect(again.runId).not.toBe(report.runId);
    expect(again.flows).toEqual([{ flow: 'retrain', status: 'succeeded' }]);
    expect(model(again, 'seller-churn')).toMatchObject({ version: 2, promoted: true, champion: 2, auc: model(report, 'seller-churn').auc });
    expect(model(again, 'seller-churn').reason).toMatch(/^auc_oot 0\.\d{4} vs champion v1 0\.\d{4}: within the margin of /);
    expect(model(again, 'seller-segments')).toMatchObject({ version: 2, promoted: true, champion: 2, silhouette: model(report, 'seller-segments').silhouette });
    expect(again.notifications[0]!.Message.sellerChurn).toMatch(/^seller-churn v0002 /);

    expect(await retrainCounts(lake)).toEqual(counts);
    for (const name of ['seller-churn', 'seller-segments']) {
      expect(readdirSync(join(lake, 'refined', '_ml', 'registry', name, 'versions')).sort(), name).toEqual(['v0001', 'v0002']);
      expect(JSON.parse(readFileSync(join(lake, 'refined', '_ml', 'registry', name, 'champion.json'), 'utf8')), name).toMatchObject({ version: 2, runId: again.runId });
    }
    const scored = await countTableRows(lake, 'refined', 'churn_scores');
    expect(scored).toBe(state(again, 'ScoreSellerChurn').rowsOut);
  });
});

describe('strata run --env prod --flows retrain', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-retrain-prod-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('refuses with exit code 2 before running or synthesizing anything: prod trains on SageMaker, so it names sizing.training.engine and suggests --env dev', () => {
    const lake = join(work, 'lake');
    const result = runStrata(['run', '--env', 'prod', '--flows', 'retrain', '--data', SAMPLE, '--lake', lake]);
    expect(result.status, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/flow retrain of environment prod trains on SageMaker \(sizing\.training\.engine is sagemaker\), which only runs in the cloud/);
    // Said from the config, before any synth.
    expect(result.stderr).not.toMatch(/synthesizing/);
    expect(result.stderr).toMatch(/--env dev/);
    // Nothing ran: no report, no table (the lake lock may have been taken and released).
    expect(existsSync(join(lake, '_runs')) ? readdirSync(join(lake, '_runs')).filter((name) => name.endsWith('.json')) : []).toEqual([]);
    expect(existsSync(join(lake, 'refined'))).toBe(false);
  });
});
