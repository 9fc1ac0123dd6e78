/**
 * `strata run` as a user runs it, in a child process: the Olist sample through every flow into a fresh lake
 * (what ingest, process and retrain leave: tables, quarantine, the run report, the feature store, the ABT, the
 * scores and charts, `abt export` on it), the same input again, a second retrain registering v0002 without
 * doubling anything; input broken the way real uploads break; prod refused locally because it trains on
 * SageMaker; and the runner itself.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCsvDataRows } from '../support/count-csv-records.ts';
import { SAMPLE_TRUSTED_DATASETS as OLIST_DATASETS, TRUSTED_DATASETS } from '../support/catalog.ts';
import { FEATURE_DATASETS, SNAPSHOT_FEATURES } from '../workloads/olist/ml/sample-lake.ts';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import type { Layer } from '../../config/schema.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { TableStore } from '../../lambdas/lake/table-store.ts';
import { filesOf } from '../../pipelines/contract/table-pointer.ts';
import { LINEAGE, STAGED_PREFIX, STAGED_REJECTS_PREFIX } from '../../pipelines/contract/lake-layout.ts';
import { countParquetRows as countRows, countTableRows, pointerOf } from '../support/parquet-rows.ts';
import { environmentNamed } from '../support/environments.ts';
import { runStrata, type CliResult } from '../support/run-cli.ts';
import { synthAws } from '../stacks/aws/synth-aws.ts';

/** The real Olist sample (../shared/data/olist-sample), gzipped in the repository: drops of .csv.gz files. */
const SAMPLE = join(REPO_ROOT, 'tests', 'fixtures', 'olist-sample');
const sampleCsv = (file: string) => gunzipSync(readFileSync(join(SAMPLE, `${file}.gz`)));

interface ReportedModel {
  name: string;
  version: number;
  engine: string;
  algorithm: string;
  auc?: { train: number; test: number; oot: number };
  silhouette?: number;
  hitRate?: { k: number; oot: number; precision: number; baseline: { algorithm: string; oot: number } | null };
  promoted: boolean;
  champion: number;
  reason: string;
  charts: string[];
}

interface RunReport {
  runId: string;
  status: string;
  flows: { flow: string; status: string }[];
  models: ReportedModel[];
  /** Models of workloads the run had no data for. */
  skippedModels?: { name: string; reason: string }[];
  notifications: { Subject: string; Message: Record<string, string> }[];
  /** Why the process run ended at its check, when it did. */
  processSkipped?: string;
  definitions: Record<string, { stateMachineName: string; templateSha256: string }>;
  states: { flow: string; name: string; seconds: number; rowsIn: number | null; rowsOut: number | null }[];
  tables: Record<
    string,
    {
      raw: number;
      trusted: number;
      quarantined: number;
      error?: string;
      status: 'built' | 'skipped' | 'failed';
      watermark: string | null;
      merged: number;
      partitionsWritten: { count: number; values: string[] };
      bytesRead: number;
      bytesKeyLookup: number;
      bytesWritten: number;
      fullRefresh: boolean;
    }
  >;
  quality: { table: string; rule: string; severity: string; passed: boolean; failingRows: number }[];
}

/** countParquetRows over a list of files (the helper takes one glob: each file counted apart). */
async function countParquetRows(paths: readonly string[]): Promise<number> {
  let rows = 0;
  for (const path of paths) rows += await countRows(path);
  return rows;
}

function latestReport(lake: string): RunReport {
  const runs = readdirSync(join(lake, '_runs'))
    .filter((name) => /^run-.*\.json$/.test(name))
    .sort();
  return JSON.parse(readFileSync(join(lake, '_runs', runs.at(-1)!), 'utf8')) as RunReport;
}

/**
 * Per table, the rows of its staged and rejects files and a hash of their values, lineage included but for the
 * ingest time and the received file's key (both follow the clock): equal for two lakes that staged the same records.
 */
async function stagedFingerprints(lake: string): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const fingerprints: Record<string, string> = {};
    for (const prefix of [STAGED_PREFIX, STAGED_REJECTS_PREFIX]) {
      for (const table of readdirSync(join(lake, 'raw', prefix)).sort()) {
        const glob = join(lake, 'raw', prefix, table, '**', '*.parquet').replaceAll("'", "''");
        const values = `select * exclude (${LINEAGE.ingestedAt}, ${LINEAGE.sourceFile}) from read_parquet('${glob}')`;
        const reader = await connection.runAndReadAll(`select count(*), sum(hash(q)) from (${values}) q`);
        fingerprints[`${prefix}${table}`] = reader.getRows()[0]!.map(String).join(' ');
      }
    }
    return fingerprints;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
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
  const tables = [...FEATURE_DATASETS.map((dataset) => dataset.name), 'abt_churn', 'segment_base', 'churn_scores', 'seller_segments', 'recommendation_interactions', 'category_recommendations'];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = await countTableRows(lake, 'refined', table);
  return counts;
}

/** Distinct values of a column of a table's committed version. */
async function distinctValues(lake: string, layer: Layer, folder: string, column: string): Promise<number> {
  const files = Object.values(pointerOf(lake, layer, folder).partitions).flatMap((partition) => partition.files);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`select count(distinct ${column}) from read_parquet([${files.map((file) => `'${join(lake, layer, file.key)}'`).join(', ')}])`);
    return Number(reader.getRows()[0]![0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const model = (report: RunReport, name: string) => report.models.find((item) => item.name === name)!;
const state = (report: RunReport, name: string) => report.states.find((item) => item.name === name)!;

/** Rows of a table's committed version, counted from the files its pointer names (none: 0). */
async function committedRows(lake: string, layer: Layer, folder: string): Promise<number> {
  const store = new FolderObjectStore(lake);
  const files = filesOf(await new TableStore(store).read(layer, folder));
  if (files.length === 0) return 0;
  return countParquetRows(files.map((file) => store.pathOf(layer, file.key)));
}

/**
 * The version is pinned: it is part of the synth cache's key, and with the
 * commit in it, a commit landing between two runs would miss the cache.
 */
const PINNED = { env: { STRATA_VERSION: '0.1.0+run-command-test' } };

function run(args: string[]): CliResult {
  return runStrata(['run', ...args], PINNED);
}

describe('strata run --flows all on the Olist sample, then again', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-run-'));
  const lake = join(work, 'lake');
  let first: CliResult;
  let report: RunReport;
  let counts: Record<string, number>;

  beforeAll(async () => {
    // One run of every flow serves the ingest and process specifications and the retrain ones.
    first = run(['--data', SAMPLE, '--lake', lake, '--flows', 'all']);
    report = reportOf(lake, first);
    counts = await retrainCounts(lake);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 0 and writes trusted Parquet for all nine tables', () => {
    expect(first.status, first.stderr + first.stdout).toBe(0);
    for (const dataset of OLIST_DATASETS) {
      const files = readdirSync(join(lake, 'trusted', dataset.name), { recursive: true }).map(String);
      expect(files.some((file) => file.endsWith('.parquet')), dataset.name).toBe(true);
    }
  });

  it('loses no row: per table, raw = trusted + quarantined, counted from the files themselves', async () => {
    for (const dataset of OLIST_DATASETS) {
      const raw = countCsvDataRows(sampleCsv(dataset.sourceFile!));
      const trusted = await committedRows(lake, 'trusted', dataset.name);
      const quarantined = await committedRows(lake, 'dataquality', `quarantine/${dataset.name}`);
      expect(trusted + quarantined, dataset.name).toBe(raw);
      expect(report.tables[dataset.name], dataset.name).toMatchObject({ raw, trusted, quarantined, status: 'built', merged: trusted, fullRefresh: false });
    }
  });

  it('reports per table what its build did: watermark, partitions written, bytes', () => {
    const orders = report.tables.orders!;
    expect(orders.watermark).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(orders.partitionsWritten.count).toBe(orders.partitionsWritten.values.length);
    expect(orders.partitionsWritten.count).toBeGreaterThan(0);
    expect(orders.bytesRead).toBeGreaterThan(0);
    expect(orders.bytesWritten).toBeGreaterThan(0);
    expect(orders.bytesKeyLookup).toBeGreaterThanOrEqual(0);
  });

  it('prints PASS/WARN/ERROR/SKIP before the last line, and releases the lake lock', () => {
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(new RegExp(`^PASS=${TRUSTED_DATASETS.length} WARN=\\d+ ERROR=0 SKIP=0$`));
    expect(lines.at(-1)).toMatch(/^run run-\S+ succeeded in/);
    expect(existsSync(join(lake, '_runs', '.lock'))).toBe(false);
  });

  it('parses review texts with quoted newlines as one row each', async () => {
    const text = sampleCsv('olist_order_reviews_dataset.csv').toString('utf8');
    const records = countCsvDataRows(Buffer.from(text));
    expect(text.split('\n').length - 2).toBeGreaterThan(records);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      `select count(*) from read_parquet('${join(lake, 'trusted', 'order_reviews', '**', '*.parquet')}') where review_comment_message like '%' || chr(10) || '%'`,
    );
    connection.closeSync();
    instance.closeSync();
    expect(Number(reader.getRows()[0]![0])).toBeGreaterThan(0);
  });

  it('reports every state with its timing and rows, and every quality rule', () => {
    expect(report.status).toBe('succeeded');
    expect(report.states.map((state) => state.flow)).toEqual(expect.arrayContaining(['ingest', 'process']));
    const trustedOrders = report.states.find((state) => /^BuildTrustedTable\d*\[orders\]$/.test(state.name))!;
    expect(trustedOrders).toMatchObject({ flow: 'process', rowsIn: report.tables.orders!.raw, rowsOut: report.tables.orders!.trusted });
    expect(trustedOrders.seconds).toBeGreaterThanOrEqual(0);
    expect(report.quality.length).toBeGreaterThan(50);
    expect(report.quality.filter((rule) => rule.severity === 'error' && !rule.passed)).toEqual([]);
    expect(report.quality).toContainEqual(expect.objectContaining({ table: 'orders', rule: 'row_count_reconciliation(raw = trusted + quarantined)', passed: true }));
  });

  it('prints a summary table with rows in, rows out and quarantined per state', () => {
    expect(first.stdout).toMatch(/state\s+seconds\s+rows in\s+rows out\s+quarantined/);
    expect(first.stdout).toMatch(/BuildTrustedTable\d*\[geolocation\]/);
    expect(first.stderr).toMatch(/\[process\] BuildTrustedTable\d*\[orders\] done in/);
  });

  it('unpacks in worker threads from the CLI’s bundle when STRATA_WORKER_DROP_BYTES says so, to the same staged and rejected rows', async () => {
    const threaded = join(work, 'threaded');
    // The ingest flow is where the threads work; what it stages is what every later step reads.
    const result = runStrata(['run', '--data', SAMPLE, '--lake', threaded, '--flows', 'ingest'], { env: { ...PINNED.env, STRATA_WORKER_DROP_BYTES: '0', STRATA_DEBUG: '1' } });

    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stderr).toMatch(/^strata: running from node_modules\/\.cache\/strata\/cli-[0-9a-f]{16}$/m);
    expect(result.stderr).toMatch(/\[ingest\] UnpackFileDrop\[olist_orders_dataset\.csv\.gz\] done in [\d.]+ s, [\d,]+ rows out \(worker thread\)/);
    expect(await stagedFingerprints(threaded)).toEqual(await stagedFingerprints(lake));
    expect(runStrata(['run', '--data', SAMPLE, '--lake', threaded], { env: { STRATA_WORKER_DROP_BYTES: 'lots' } }).stderr).toMatch(
      /STRATA_WORKER_DROP_BYTES must be a whole number of bytes \(0: every drop in a worker thread\), got "lots"/,
    );
  });

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
    expect(report.models.map((item) => item.name)).toEqual(['seller-churn', 'seller-segments', 'order-delay', 'purchase-recommendation']);
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
    // The sample's out-of-time month (2018-08, 328 orders, 21 late) is too small to promise an OOT AUC; train and test are checked.
    const delay = model(report, 'order-delay');
    expect(delay).toMatchObject({ version: 1, engine: 'embedded', promoted: true, champion: 1 });
    expect(delay.auc!.train).toBeGreaterThan(0.5);
    expect(delay.auc!.test).toBeGreaterThan(0.5);
    expect(delay.charts).toHaveLength(3);
    // Few of the sample's customers buy again (13 of the 1,168 of the held-out months had bought before), so
    // co-purchase and popularity show nearly everyone the same list: only that both find something is promised.
    const recommendation = model(report, 'purchase-recommendation');
    expect(recommendation).toMatchObject({ version: 1, engine: 'embedded', promoted: true, champion: 1, hitRate: { k: 5 } });
    expect(['co-purchase', 'popularity']).toContain(recommendation.algorithm);
    expect(recommendation.hitRate!.oot).toBeGreaterThan(0.2);
    expect(recommendation.hitRate!.baseline!.oot).toBeGreaterThan(0.2);
    expect(recommendation.charts).toEqual([`${report.runId}/purchase-recommendation-hit-rate.svg`]);
  });

  it('recommends k categories to every customer with a purchase, ranked, into category_recommendations', async () => {
    const people = await distinctValues(lake, 'refined', 'recommendation_interactions', 'customer_unique_id');
    expect(people).toBeGreaterThan(1000);
    expect(await countTableRows(lake, 'refined', 'category_recommendations', 'item_rank = 1')).toBe(people);
    expect(counts.category_recommendations).toBe(people * 5);
    expect(state(report, 'ScorePurchaseRecommendation').rowsOut).toBe(people * 5);
    expect(partitions(lake, 'category_recommendations', 'dt_score')).toEqual(['2018-09-01']);
  });

  it('skips the models the sample has no data for (no closed deals, no weather), saying so, and the run still succeeds', () => {
    const weather = 'no data yet: workload weather has no row in trusted weather_current';
    const deals = 'no data yet: model seller-activation requires rows in trusted closed_deals, which has none';
    expect(report.skippedModels).toEqual([
      { name: 'seller-activation', reason: deals },
      { name: 'rain-next-hour', reason: weather },
    ]);
    expect(first.stdout).toContain(`\nmodel seller-activation: not trained, ${deals}\nmodel rain-next-hour: not trained, ${weather}\n`);
  });

  it('scores every order still open with the order-delay champion, one row per order', async () => {
    const open = await countTableRows(lake, 'trusted', 'orders', "order_status not in ('delivered', 'canceled', 'unavailable')");
    expect(open).toBeGreaterThan(0);
    expect(await countTableRows(lake, 'refined', 'order_delay_scores')).toBe(open);
    expect(state(report, 'ScoreOrderDelay').rowsOut).toBe(open);
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
    // The segments are of the latest representative snapshot: the sample's last holds too few sellers to cluster.
    const [segmented] = partitions(lake, 'seller_segments', 'dt_score');
    expect(segmented! < latest).toBe(true);
    expect(counts.seller_segments).toBe(state(report, 'ScoreSellerSegments').rowsOut);
    expect(counts.seller_segments).toBeGreaterThan(counts.churn_scores!);
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
    expect(retrained[0]!.Message.purchaseRecommendation).toMatch(
      /^purchase-recommendation v0001 \((co-purchase|popularity), embedded\): hit rate@5 OOT 0\.\d{3}, precision@5 0\.\d{3} \((co-purchase|popularity) 0\.\d{3}\); \d+ customer_unique_id held out, \d+ of them seen before; promoted to champion$/,
    );
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

  it('lets abt export write a ranker\'s interactions with their split, for the scikit-learn reference', () => {
    const out = join(work, 'exports-ranker', 'interactions.csv');
    const exported = runStrata(['abt', 'export', '--lake', lake, '--model', 'purchase-recommendation', '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('customer_unique_id,product_category,dt_reference,split');
    expect(lines).toHaveLength(counts.recommendation_interactions! + 1);
    const keys = lines.slice(1).map((line) => line.split(',')).map(([who, what, date]) => `${date}/${who}/${what}`);
    expect(keys).toEqual([...keys].sort());
    expect(exported.stdout).toContain(`strata abt export: ${counts.recommendation_interactions!.toLocaleString('en-US')} rows -> `);
  });

  it('lets abt export write a clusterer\'s base, without a split (a clusterer fits every row), for the scikit-learn reference', () => {
    const out = join(work, 'exports-segments', 'base.csv');
    const exported = runStrata(['abt', 'export', '--lake', lake, '--model', 'seller-segments', '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(['seller_id', 'dt_reference', ...SNAPSHOT_FEATURES.map((column) => column.name)].join(','));
    expect(lines).toHaveLength(counts.segment_base! + 1);
  });

  it('leaves every table as it was when the same input runs again: the process run finds nothing new and ends at its check', async () => {
    const pointers = async () => Promise.all(OLIST_DATASETS.map((dataset) => new TableStore(new FolderObjectStore(lake)).read('trusted', dataset.name)));
    const before = await pointers();
    // The flows that ingest and merge: retraining is not what is checked here.
    const again = run(['--data', SAMPLE, '--lake', lake, '--flows', 'ingest,process']);
    expect(again.status, again.stdout).toBe(0);
    expect(again.stderr).toMatch(/reusing the state machines synthesized for template [0-9a-f]{12}/);
    expect(again.stderr).not.toMatch(/synthesizing the AWS app/);
    const second = latestReport(lake);
    expect(second.runId).not.toBe(report.runId);
    expect(second.definitions).toEqual({ ingest: report.definitions.ingest, process: report.definitions.process });
    // Every drop was already ingested, so nothing was staged: no build ran, and no table moved.
    expect(second.processSkipped).toMatch(/^nothing new since the last merge \(latest ingest \d{4}-\d{2}-\d{2}T/);
    expect(second.tables).toEqual({});
    expect(await pointers()).toEqual(before);
    expect(again.stdout).toMatch(/\nprocess: skipped, nothing new since the last merge .*\nPASS=0 WARN=0 ERROR=0 SKIP=0\nrun /);
  });

  it('runs the state machines the app synthesizes: the report hashes equal those of its template', () => {
    // The app `strata synth` and `cdk synth` build (tests/cli/synth-command.test.ts holds those to it); the
    // definitions do not carry the platform version, so the tests' synth of dev has the same ones.
    const template = synthAws(environmentNamed('dev')).templates.pipelines.toJSON() as {
      Resources: Record<string, { Type: string; Properties: { StateMachineName: string; DefinitionString: unknown } }>;
    };
    const machines = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine');
    expect(Object.keys(report.definitions)).toEqual(['ingest', 'process', 'retrain']);
    for (const definition of Object.values(report.definitions)) {
      const machine = machines.find((candidate) => candidate.Properties.StateMachineName === definition.stateMachineName)!;
      expect(createHash('sha256').update(JSON.stringify(machine.Properties.DefinitionString)).digest('hex')).toBe(definition.templateSha256);
    }
  });
  it('registers v0002 on a second retrain, promoted within the margin, and rewrites every table instead of adding to it', async () => {
    // --data only to skip generating a synthetic drop the retrain flow does not read.
    const second = run(['--data', SAMPLE, '--lake', lake, '--flows', 'retrain']);
    expect(second.status, second.stderr + second.stdout).toBe(0);
    const again = reportOf(lake, second);
    expect(again.runId).not.toBe(report.runId);
    expect(again.flows).toEqual([{ flow: 'retrain', status: 'succeeded' }]);
    expect(model(again, 'seller-churn')).toMatchObject({ version: 2, promoted: true, champion: 2, auc: model(report, 'seller-churn').auc });
    expect(model(again, 'seller-churn').reason).toMatch(/^auc_oot 0\.\d{4} vs champion v1 0\.\d{4}: within the margin of /);
    expect(model(again, 'seller-segments')).toMatchObject({ version: 2, promoted: true, champion: 2, silhouette: model(report, 'seller-segments').silhouette });
    expect(again.notifications[0]!.Message.sellerChurn).toMatch(/^seller-churn v0002 /);
    expect(model(again, 'purchase-recommendation')).toMatchObject({ version: 2, promoted: true, champion: 2, hitRate: model(report, 'purchase-recommendation').hitRate });
    expect(model(again, 'purchase-recommendation').reason).toMatch(/^hit_rate_at_k_oot 0\.\d{4} vs champion v1 0\.\d{4}: within the margin of 0\.01$/);

    expect(await retrainCounts(lake)).toEqual(counts);
    for (const name of ['seller-churn', 'seller-segments', 'purchase-recommendation']) {
      expect(readdirSync(join(lake, 'refined', '_ml', 'registry', name, 'versions')).sort(), name).toEqual(['v0001', 'v0002']);
      expect(JSON.parse(readFileSync(join(lake, 'refined', '_ml', 'registry', name, 'champion.json'), 'utf8')), name).toMatchObject({ version: 2, runId: again.runId });
    }
    const scored = await countTableRows(lake, 'refined', 'churn_scores');
    expect(scored).toBe(state(again, 'ScoreSellerChurn').rowsOut);
  });
});

describe('strata run on input broken the way real uploads break', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-run-bad-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('keeps every clean row and quarantines every bad one with its reason', async () => {
    const data = join(work, 'data');
    expect(runStrata(['generate', '--scale', '0.01', '--bad-rows', '0.1', '--out', data]).status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(data, '_manifest.json'), 'utf8')) as {
      files: Record<string, { rows: number; cleanRows: number; badRows: Record<string, number> }>;
    };
    // Only the flows that ingest and build: what is checked here is trusted and quarantine.
    const result = run(['--data', data, '--lake', join(work, 'lake'), '--flows', 'ingest,process']);
    expect(result.status, result.stdout).toBe(0);
    const report = latestReport(join(work, 'lake'));
    for (const dataset of OLIST_DATASETS) {
      const file = manifest.files[dataset.sourceFile!]!;
      const table = report.tables[dataset.name]!;
      // Nothing lost: every record is in trusted or in quarantine. Trusted holds at most the clean rows:
      // a clean child of a quarantined parent waits in quarantine with it.
      expect(table, dataset.name).toMatchObject({ raw: file.rows });
      expect(table.trusted + table.quarantined, dataset.name).toBe(file.rows);
      expect(table.trusted, dataset.name).toBeLessThanOrEqual(file.cleanRows);
    }
    const files = OLIST_DATASETS.flatMap((dataset) =>
      Object.values(pointerOf(join(work, 'lake'), 'dataquality', `quarantine/${dataset.name}`).partitions).flatMap((partition) => partition.files),
    );
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const list = files.map((file) => `'${join(work, 'lake', 'dataquality', file.key)}'`).join(', ');
    const reasons = await connection.runAndReadAll(`select reason, reason_kind, record from read_parquet([${list}], union_by_name = true)`);
    connection.closeSync();
    instance.closeSync();
    const rows = reasons.getRowObjects() as { reason: string | null; reason_kind: string; record: string | null }[];
    expect(rows.every((row) => typeof row.reason === 'string' && row.reason.length > 0)).toBe(true);
    const kinds = rows.map((row) => row.reason!);
    expect(kinds.some((reason) => /not a timestamp/.test(reason))).toBe(true);
    expect(kinds.some((reason) => /required, but empty/.test(reason))).toBe(true);
    expect(kinds.some((reason) => /superseded by the later record/.test(reason))).toBe(true);
    expect(new Set(rows.map((row) => row.reason_kind))).toEqual(new Set(['rule', 'superseded', 'unparseable']));
    expect(rows.some((row) => row.reason_kind === 'unparseable' && /fields, expected/.test(row.reason!) && row.record !== null)).toBe(true);
  });

  it('quarantines every record of a file that lacks a column, naming it; the quarantined share fails the run and says which tables', () => {
    const data = join(work, 'missing-column');
    cpSync(SAMPLE, data, { recursive: true });
    rmSync(join(data, 'olist_orders_dataset.csv.gz'));
    const orders = join(data, 'olist_orders_dataset.csv');
    const lines = sampleCsv('olist_orders_dataset.csv').toString('utf8').split('\n');
    writeFileSync(orders, lines.map((line) => line.split(',').filter((_, index) => index !== 2).join(',')).join('\n'));
    const result = run(['--data', data, '--lake', join(work, 'lake-missing'), '--flows', 'ingest,process']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/flow process FAILED: .*orders: quarantine_share/);
    const report = latestReport(join(work, 'lake-missing'));
    expect(report.status).toBe('failed');
    expect(report.tables.orders).toMatchObject({ trusted: 0, quarantined: report.tables.orders!.raw });
    // The other tables built; the orders' children wait for their parents.
    expect(report.tables.customers).toMatchObject({ status: 'built', quarantined: 0 });
    expect(report.tables.order_items!.trusted).toBe(0);
  });

  it('refuses an unknown flow name with the allowed ones and exit code 2', () => {
    const result = run(['--flows', 'ingest,retrian', '--lake', join(work, 'unused')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--flows: unknown flow\(s\) retrian; did you mean retrain\? allowed: ingest, process, retrain, all/);
  });
});

describe('runLocally', () => {
  /** One flow of a single Pass state named Echo (its extra fields in the state), run on the dev environment in a scratch lake. */
  async function echoRun(state: Record<string, unknown>, test: (run: (options?: { fullRefresh?: boolean; definitionsValidated?: boolean }) => Promise<{ outcomes: unknown[] }>) => Promise<void>) {
    const { runLocally } = await import('../../cli/run/local-runner.ts');
    const { loadEnvironment } = await import('../../config/load-environment.ts');
    const work = mkdtempSync(join(tmpdir(), 'strata-run-echo-'));
    try {
      const flow = {
        flow: 'echo',
        stateMachineName: 'echo',
        templateSha256: '0'.repeat(64),
        definition: { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true, ...state } } },
        taskTargets: new Map(),
        resultPaths: new Map(),
        unrunnable: new Map(),
      };
      const environment = loadEnvironment({ env: 'dev' }).environment;
      await test((options = {}) => runLocally({ environment, platformVersion: '0.0.0', flows: [flow], lake: join(work, 'lake'), ...options }));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  it('starts each state machine with { fullRefresh: true } when asked, {} otherwise', async () => {
    await echoRun({}, async (run) => {
      expect((await run({ fullRefresh: true })).outcomes).toEqual([{ flow: 'echo', status: 'succeeded', output: { fullRefresh: true } }]);
      expect((await run()).outcomes).toEqual([{ flow: 'echo', status: 'succeeded', output: {} }]);
    });
  });

  it('lets a running unpack finish when its sibling item fails the Map, as Lambda does, before it returns', async () => {
    const { runLocally } = await import('../../cli/run/local-runner.ts');
    const { loadEnvironment } = await import('../../config/load-environment.ts');
    const work = mkdtempSync(join(tmpdir(), 'strata-run-sibling-'));
    try {
      const lake = join(work, 'lake');
      const store = new FolderObjectStore(lake);
      const rows = Array.from({ length: 60_000 }, (_, index) => `s${index},01000,sao paulo,SP`).join('\n');
      await store.write('raw', 'landing/sellers.csv', `seller_id,seller_zip_code_prefix,seller_city,seller_state\n${rows}\n`);
      const flow = {
        flow: 'ingest',
        stateMachineName: 'sibling',
        templateSha256: '0'.repeat(64),
        definition: {
          StartAt: 'Drops',
          States: {
            Drops: { Type: 'Pass', Result: { drops: [{ landingKey: 'landing/sellers.csv' }, { landingKey: 'elsewhere/bad.csv' }] }, Next: 'Each' },
            Each: {
              Type: 'Map',
              ItemsPath: '$.drops',
              MaxConcurrency: 2,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Unpack',
                States: { Unpack: { Type: 'Task', Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:unpack', Parameters: { 'landingKey.$': '$.landingKey' }, End: true } },
              },
              End: true,
            },
          },
        },
        taskTargets: new Map([['Unpack', 'unpack-file-drop' as const]]),
        resultPaths: new Map(),
        unrunnable: new Map(),
      };
      const environment = loadEnvironment({ env: 'dev' }).environment;

      const result = await runLocally({ environment, platformVersion: '0.0.0', flows: [flow], lake, workerDropBytes: 0 });

      expect(result.outcomes).toMatchObject([{ flow: 'ingest', status: 'failed' }]);
      expect((await store.list('raw', 'staged/sellers/')).map((object) => object.key)).toHaveLength(1);
      expect(await store.list('raw', 'landing/')).toEqual([]);
      expect((await store.list('raw', '')).filter((object) => object.key.includes('.strata-tmp-'))).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('validates each definition before it runs it, unless told they were validated when synthesized', async () => {
    // Runnable, but not valid ASL: the schema allows no unknown field in a state.
    await echoRun({ Unknown: 1 }, async (run) => {
      await expect(run()).rejects.toThrow(/definition/i);
      await expect(run({ definitionsValidated: false })).rejects.toThrow(/definition/i);
      expect((await run({ definitionsValidated: true })).outcomes).toEqual([{ flow: 'echo', status: 'succeeded', output: {} }]);
    });
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
