/**
 * npm run bench:incremental: the incremental trusted build on a feed. Synthetic
 * Olist at --scale (default 1) is split by purchase date into a history
 * (--history-share, default 0.9) and --batches (default 10) batches with
 * re-sent orders (strata generate --batches); the history runs once, then each
 * batch as one `strata run --flows ingest,process` process, measured like
 * bench/pipeline.ts, against the floor (bench/floor-pass.ts over just that
 * batch's CSVs). Targets: each batch run <= 5x its floor; last / first batch
 * time <= 1.2 (a batch costs what it holds, not what the lake holds); bytes
 * read <= 3x (the batch's CSV bytes + the bytes the partitions it rewrote held
 * before the run). Finally `--full-refresh` rebuilds trusted on the same lake
 * and its row counts are compared with the incremental result.
 *
 * Every batch figure is a median of --repeat (default 3) measurements: the
 * floor runs that often, and the batch runs that often on copies of the lake
 * as it was before the batch (the last run on the lake itself, which goes on
 * to the next batch). One process run of about a second is as noisy as the
 * targets are tight.
 *
 * The machine's speed drifts over minutes (every state of a run slows and
 * speeds up together, the floors with them), so flatness is measured again
 * at the end: the first and the last batch run alternately, --repeat times
 * each, from copies of the lake as it was before each, and the ratio of their
 * medians is held to the target.
 *
 *   npm run bench:incremental [-- --scale 1 --batches 10 --history-share 0.9 --resend 0.3 --repeat 3 --keep] [--record]
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateReference, REFERENCE_CATALOG, REFERENCE_WORKLOAD, referenceSplitter } from './reference-workload.ts';
import { REPO_ROOT } from '../cli/synth-platform.ts';
import { FolderObjectStore } from '../lambdas/adapters/local/folder-object-store.ts';
import { TableStore } from '../lambdas/lake/table-store.ts';
import type { TablePointer } from '../pipelines/contract/table-pointer.ts';
import { measure, measureRepeatedly, medianRun, type Measurement } from './measure-process.ts';
import { parseBenchOptions, refuseOption, wholeNumberOption } from './options.ts';
import { startRecording } from './record.ts';

const { values } = parseBenchOptions('incremental', () => parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    batches: { type: 'string', default: '10' },
    'history-share': { type: 'string', default: '0.9' },
    resend: { type: 'string', default: '0.3' },
    repeat: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
}));
const recording = startRecording('incremental', values.record);
const scale = Number(values.scale);
const batches = Number(values.batches);
const historyShare = Number(values['history-share']);
const resend = Number(values.resend);
const repeat = Number(values.repeat);
const splitter = referenceSplitter();
const HISTORY_FOLDER = splitter.historyFolder;
const batchFolderName = (index: number, count: number) => splitter.folderName(index, count);
if (!(scale > 0)) refuseOption('incremental', `--scale must be a positive number, got ${values.scale}`);
wholeNumberOption('incremental', '--batches', values.batches);
wholeNumberOption('incremental', '--repeat', values.repeat);

const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-incremental-'));
const env = { ...process.env, STRATA_VERSION: '0.0.0+bench' };
const data = join(scratch, 'data');
const split = join(scratch, 'split');
const lake = join(scratch, 'lake');
const store = new FolderObjectStore(lake);
const tables = new TableStore(store);

interface RunTables {
  [table: string]: { status: string; merged: number; partitionsWritten: { values: string[] }; bytesRead: number; bytesKeyLookup: number; bytesWritten: number };
}

function latestReport(): { runId: string; tables: RunTables } {
  const runs = readdirSync(join(lake, '_runs')).filter((name) => /^run-.*\.json$/.test(name)).sort();
  return JSON.parse(readFileSync(join(lake, '_runs', runs.at(-1)!), 'utf8')) as { runId: string; tables: RunTables };
}

function csvBytes(folder: string): number {
  return readdirSync(folder).filter((name) => name.endsWith('.csv')).reduce((sum, name) => sum + statSync(join(folder, name)).size, 0);
}

async function trustedPointers(): Promise<Map<string, TablePointer | undefined>> {
  return new Map(await Promise.all(REFERENCE_CATALOG.trusted.map(async (dataset) => [dataset.name, await tables.read('trusted', dataset.name)] as const)));
}

const rowsOf = (pointer: TablePointer | undefined) => Object.values(pointer?.partitions ?? {}).reduce((sum, partition) => sum + partition.rows, 0);

function strataRun(args: string[], onLake = lake): Promise<Measurement> {
  return measure(process.execPath, [join(REPO_ROOT, 'bin', 'strata.mjs'), 'run', '--lake', onLake, ...args], { cwd: REPO_ROOT, env });
}

const medianOf = async (count: number, measureOnce: (trial: number) => Promise<Measurement>) => (await measureRepeatedly(count, measureOnce)).median;

interface Row {
  batch: string;
  run: Measurement;
  floor: Measurement;
  csvBytes: number;
  bytesRead: number;
  bytesKeyLookup: number;
  bytesWritten: number;
  /** Bytes the partitions the run rewrote held before it (trusted, summed over the tables). */
  touchedBytes: number;
  partitions: number;
  merged: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const rows: Row[] = [];
let history: Measurement;
let fullRefresh: Measurement;
let incrementalRows: Map<string, number>;
let interleaved: { first: Measurement; last: Measurement };
let refreshedRows: Map<string, number>;
try {
  process.stdout.write(`scale ${scale}: generating synthetic ${REFERENCE_WORKLOAD} data, splitting into ${HISTORY_FOLDER} (${historyShare}) + ${batches} batches (re-send ${resend})...\n`);
  await generateReference(scale, data);
  const folders = await splitter.split({ from: data, out: split, batches, historyShare, resend, seed: 42 });
  rmSync(data, { recursive: true, force: true });
  for (const folder of folders.slice(1)) {
    if (folder.resendShortfall > 0) process.stdout.write(`  ${folder.name}: ${folder.resent} re-sent, ${folder.resendShortfall} fewer than asked (none earlier left in progress)\n`);
  }

  process.stdout.write(`${HISTORY_FOLDER}: strata run --flows ingest,process...\n`);
  history = await strataRun(['--data', join(split, HISTORY_FOLDER), '--flows', 'ingest,process']);

  const snapshotOf = (index: number) => join(scratch, `before-${batchFolderName(index, batches)}`);
  for (let index = 1; index <= batches; index++) {
    const batch = batchFolderName(index, batches);
    const folder = join(split, batch);
    if (index === 1 || index === batches) cpSync(lake, snapshotOf(index), { recursive: true });
    process.stdout.write(`${batch}: floor, then strata run --flows ingest,process (median of ${repeat} each)...\n`);
    const floorOut = join(scratch, `floor-${batch}`);
    const floor = await medianOf(repeat, async () => {
      rmSync(floorOut, { recursive: true, force: true });
      return measure(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'floor-pass.ts'), folder, floorOut], { cwd: REPO_ROOT, env });
    });
    rmSync(floorOut, { recursive: true, force: true });
    const before = await trustedPointers();
    const trialLake = join(scratch, 'trial-lake');
    const run = await medianOf(repeat, async (trial) => {
      if (trial === repeat - 1) return strataRun(['--data', folder, '--flows', 'ingest,process']);
      rmSync(trialLake, { recursive: true, force: true });
      cpSync(lake, trialLake, { recursive: true });
      try {
        return await strataRun(['--data', folder, '--flows', 'ingest,process'], trialLake);
      } finally {
        rmSync(trialLake, { recursive: true, force: true });
      }
    });
    const report = latestReport();
    const built = Object.entries(report.tables);
    let touchedBytes = 0;
    for (const [table, outcome] of built) {
      const pointer = before.get(table);
      for (const value of outcome.partitionsWritten.values) {
        touchedBytes += (pointer?.partitions[value]?.files ?? []).reduce((sum, file) => sum + file.bytes, 0);
      }
    }
    rows.push({
      batch,
      run,
      floor,
      csvBytes: csvBytes(folder),
      bytesRead: built.reduce((sum, [, outcome]) => sum + outcome.bytesRead, 0),
      bytesKeyLookup: built.reduce((sum, [, outcome]) => sum + outcome.bytesKeyLookup, 0),
      bytesWritten: built.reduce((sum, [, outcome]) => sum + outcome.bytesWritten, 0),
      touchedBytes,
      partitions: built.reduce((sum, [, outcome]) => sum + outcome.partitionsWritten.values.length, 0),
      merged: built.reduce((sum, [, outcome]) => sum + outcome.merged, 0),
    });
  }

  process.stdout.write(`flatness: the first and the last batch again, alternately, ${repeat} times each, from copies of the lake before each...\n`);
  const trials: { first: Measurement[]; last: Measurement[] } = { first: [], last: [] };
  const trialLake = join(scratch, 'trial-lake');
  for (let trial = 0; trial < repeat; trial++) {
    for (const [which, index] of [['first', 1], ['last', batches]] as const) {
      rmSync(trialLake, { recursive: true, force: true });
      cpSync(snapshotOf(index), trialLake, { recursive: true });
      trials[which].push(await strataRun(['--data', join(split, batchFolderName(index, batches)), '--flows', 'ingest,process'], trialLake));
    }
  }
  rmSync(trialLake, { recursive: true, force: true });
  interleaved = { first: medianRun(trials.first), last: medianRun(trials.last) };

  incrementalRows = new Map([...(await trustedPointers())].map(([table, pointer]) => [table, rowsOf(pointer)]));
  process.stdout.write('full refresh: strata run --flows process --full-refresh...\n');
  fullRefresh = await strataRun(['--flows', 'process', '--full-refresh']);
  refreshedRows = new Map([...(await trustedPointers())].map(([table, pointer]) => [table, rowsOf(pointer)]));
} finally {
  // --keep leaves the lake and the batches for a closer look (a profile of one more run, say).
  if (values.keep) process.stdout.write(`kept: ${scratch} (lake/, split/)\n`);
  else rmSync(scratch, { recursive: true, force: true });
}

const printTable = (lines: string[][]) => {
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  console.log(`\n${lines.map((line) => `| ${line.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`).join('\n')}\n`);
};
const readLimit = (row: Row) => 3 * (row.csvBytes + row.touchedBytes);
printTable([
  ['batch', 'run', 'peak RSS', 'floor', 'x floor', 'merged', 'partitions', 'CSV', 'read', 'key lookup', 'written', 'touched before', 'read / limit'],
  ...rows.map((row) => [
    row.batch,
    `${row.run.seconds.toFixed(2)} s`,
    `${row.run.peakRssMb.toFixed(0)} MB`,
    `${row.floor.seconds.toFixed(2)} s`,
    (row.run.seconds / row.floor.seconds).toFixed(2),
    row.merged.toLocaleString('en-US'),
    String(row.partitions),
    mb(row.csvBytes),
    mb(row.bytesRead),
    mb(row.bytesKeyLookup),
    mb(row.bytesWritten),
    mb(row.touchedBytes),
    (row.bytesRead / readLimit(row)).toFixed(2),
  ]),
]);
console.log(`run and floor of each batch: median of ${repeat}`);
console.log(`history run: ${history!.seconds.toFixed(2)} s, ${history!.peakRssMb.toFixed(0)} MB peak RSS; full refresh (process only): ${fullRefresh!.seconds.toFixed(2)} s, ${fullRefresh!.peakRssMb.toFixed(0)} MB`);
console.log(
  `medians per batch: run ${median(rows.map((row) => row.run.seconds)).toFixed(2)} s, floor ${median(rows.map((row) => row.floor.seconds)).toFixed(2)} s, ` +
    `x floor ${median(rows.map((row) => row.run.seconds / row.floor.seconds)).toFixed(2)}, peak RSS ${median(rows.map((row) => row.run.peakRssMb)).toFixed(0)} MB, ` +
    `read ${mb(median(rows.map((row) => row.bytesRead)))}, key lookup ${mb(median(rows.map((row) => row.bytesKeyLookup)))}, written ${mb(median(rows.map((row) => row.bytesWritten)))}`,
);
console.log('bytes read = sum of bytesRead over the run report\'s tables; limit = 3 x (the batch\'s CSV bytes + the trusted bytes of the partitions it rewrote, before the run)\n');

const check = (label: string, ok: boolean, figure: string) => console.log(`${ok ? 'met   ' : 'MISSED'}  ${label}: ${figure}`);
const overFloor = rows.filter((row) => row.run.seconds > 5 * row.floor.seconds);
check('each batch run <= 5x its floor', overFloor.length === 0, overFloor.length === 0 ? `worst ${Math.max(...rows.map((row) => row.run.seconds / row.floor.seconds)).toFixed(2)}x` : `${overFloor.map((row) => `${row.batch} ${(row.run.seconds / row.floor.seconds).toFixed(2)}x`).join(', ')}`);
const drift = interleaved!.last.seconds / interleaved!.first.seconds;
const sequentialDrift = rows.at(-1)!.run.seconds / rows[0]!.run.seconds;
check(
  'last / first batch time <= 1.2 (run alternately)',
  drift <= 1.2,
  `${drift.toFixed(2)} (${interleaved!.last.seconds.toFixed(2)} s / ${interleaved!.first.seconds.toFixed(2)} s; in the sequence above ${sequentialDrift.toFixed(2)})`,
);
const overRead = rows.filter((row) => row.bytesRead > readLimit(row));
check(
  'bytes read <= 3x (batch CSV + partitions touched)',
  overRead.length === 0,
  overRead.length === 0 ? `worst ${Math.max(...rows.map((row) => row.bytesRead / readLimit(row))).toFixed(2)} of the limit` : overRead.map((row) => `${row.batch} ${(row.bytesRead / readLimit(row)).toFixed(2)} of the limit`).join(', '),
);
const differing = [...incrementalRows!].filter(([table, count]) => refreshedRows!.get(table) !== count);
console.log(
  `full refresh vs incremental trusted row counts: ${differing.length === 0 ? 'equal' : 'DIFFERENT'} ` +
    `(${[...incrementalRows!].map(([table, count]) => `${table} ${count}${refreshedRows!.get(table) === count ? '' : ` vs ${refreshedRows!.get(table)}`}`).join(', ')})`,
);
recording.finish();
