/**
 * npm run bench:pipeline: the local run of the ingest and process flows
 * (`strata run`) at scale 0.1 and 1 of synthetic Olist data, against the
 * floor: one DuckDB pass reading the same CSVs and writing ZSTD Parquet.
 * Targets (issue #3): scale 1 end to end <= 5x the floor and <= 2 GiB RSS;
 * time(scale 1) / time(scale 0.1) <= 10; trusted bytes <= the floor's bytes.
 * Each figure is the median of --repeat (default 3) runs, each on a new lake;
 * the state machines come from the checkout's synth cache once one run made
 * them, as for a user's second run (the synth column says).
 *
 *   npm run bench:pipeline [-- --scales 0.1,1 --repeat 3] [--record]   (--record: into docs/benchmarks.md)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateReference } from './reference-workload.ts';
import { REPO_ROOT } from '../cli/synth-platform.ts';
import { measure, measureRepeatedly, type Measurement } from './measure-process.ts';
import { parseBenchOptions, positiveNumbersOption, wholeNumberOption } from './options.ts';
import { startRecording } from './record.ts';

const { values } = parseBenchOptions('pipeline', () => parseArgs({ options: { scales: { type: 'string', default: '0.1,1' }, repeat: { type: 'string', default: '3' }, record: { type: 'boolean', default: false } } }));
const recording = startRecording('pipeline', values.record);
const scales = positiveNumbersOption('pipeline', '--scales', values.scales);
const repeat = wholeNumberOption('pipeline', '--repeat', values.repeat);

/** The median by wall time of `repeat` measurements, the highest peak RSS of them, and how many of the runs synthesized. */
async function medianOf(measureOnce: () => Promise<Measurement>): Promise<Measurement & { synthesized: number }> {
  const { median, trials } = await measureRepeatedly(repeat, measureOnce);
  // Memory is held to its target at the worst run, not the median one.
  const peakRssMb = Math.max(...trials.map((trial) => trial.peakRssMb));
  return { ...median, peakRssMb, synthesized: trials.filter((trial) => trial.stderr.includes('synthesizing the AWS app')).length };
}

const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-pipeline-'));
const env = { ...process.env, STRATA_VERSION: '0.0.0+bench' };

function bytesUnder(folder: string, suffix: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

interface Row {
  scale: number;
  pipeline: Measurement & { synthesized: number };
  floor: Measurement;
  rawBytes: number;
  trustedBytes: number;
  floorBytes: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rows: Row[] = [];
try {
  for (const scale of scales) {
    const data = join(scratch, `data-${scale}`);
    process.stdout.write(`scale ${scale}: generating synthetic Olist data...\n`);
    await generateReference(scale, data);
    const rawBytes = bytesUnder(data, '.csv');
    const floorOut = join(scratch, `floor-${scale}`);
    process.stdout.write(`scale ${scale}: floor (one DuckDB pass, CSV -> ZSTD Parquet), median of ${repeat}...\n`);
    const floor = await medianOf(() => {
      rmSync(floorOut, { recursive: true, force: true });
      return measure(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'floor-pass.ts'), data, floorOut], { cwd: REPO_ROOT, env });
    });
    const lake = join(scratch, `lake-${scale}`);
    process.stdout.write(`scale ${scale}: strata run (ingest + process, synthesized state machines, DuckDB), median of ${repeat}...\n`);
    const pipeline = await medianOf(() => {
      rmSync(lake, { recursive: true, force: true });
      return measure(process.execPath, [join(REPO_ROOT, 'bin', 'strata.mjs'), 'run', '--data', data, '--lake', lake, '--flows', 'ingest,process'], { cwd: REPO_ROOT, env });
    });
    rows.push({ scale, pipeline, floor, rawBytes, trustedBytes: bytesUnder(join(lake, 'trusted'), '.parquet'), floorBytes: bytesUnder(floorOut, '.parquet') });
    rmSync(lake, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const table = [
  ['scale', 'pipeline', 'synth', 'peak RSS', 'floor', 'floor RSS', 'x floor', 'raw CSV', 'trusted', 'floor Parquet'],
  ...rows.map((row) => [
    String(row.scale),
    `${row.pipeline.seconds.toFixed(2)} s`,
    `${row.pipeline.synthesized} of ${repeat} runs`,
    `${row.pipeline.peakRssMb.toFixed(0)} MB`,
    `${row.floor.seconds.toFixed(2)} s`,
    `${row.floor.peakRssMb.toFixed(0)} MB`,
    (row.pipeline.seconds / row.floor.seconds).toFixed(2),
    mb(row.rawBytes),
    mb(row.trustedBytes),
    mb(row.floorBytes),
  ]),
];
const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
console.log(`\n${table.map((line) => `| ${line.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`).join('\n')}\n`);

const small = rows.find((row) => row.scale === 0.1);
const large = rows.find((row) => row.scale === 1);
if (large) {
  const check = (label: string, ok: boolean, figure: string) => console.log(`${ok ? 'met   ' : 'MISSED'}  ${label}: ${figure}`);
  check('scale 1 end to end <= 5x the floor', large.pipeline.seconds <= 5 * large.floor.seconds, `${(large.pipeline.seconds / large.floor.seconds).toFixed(2)}x`);
  check('scale 1 peak RSS <= 2 GiB', large.pipeline.peakRssMb <= 2048, `${large.pipeline.peakRssMb.toFixed(0)} MB`);
  check('trusted bytes <= floor Parquet bytes', large.trustedBytes <= large.floorBytes, `${mb(large.trustedBytes)} vs ${mb(large.floorBytes)}`);
  if (small) check('time(scale 1) / time(scale 0.1) <= 10', large.pipeline.seconds / small.pipeline.seconds <= 10, `${(large.pipeline.seconds / small.pipeline.seconds).toFixed(2)}`);
}
recording.finish();
