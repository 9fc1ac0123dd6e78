/**
 * Checks the ingest footprint model (config/ingest-footprint.ts) against the
 * real unpack: each drop is unpacked and staged by `unpackFileDrop` over the
 * folder store, in a process of its own, and its peak memory above the
 * process before the unpack and its staging rate are printed beside what the
 * model gives the limits that just admit it.
 *
 *   npm run bench:ingest-footprint [-- --scale <n>] [--record]   (default 2: Olist generated at that scale; --record: into docs/benchmarks.md)
 *
 * The drops: the largest CSV (geolocation), the orders CSV, and a zip of all
 * nine files. Floors: peak <= model memory; staging rate >= the model's rate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { zipSync } from 'fflate';
import { writeFileSync } from 'node:fs';
import { generateReference, REFERENCE_CATALOG } from './reference-workload.ts';
import { INGEST_STAGED_MB_PER_SECOND, ingestMemoryNeedMb } from '../config/ingest-footprint.ts';
import { refuseOption } from './options.ts';
import { startRecording } from './record.ts';
import { FolderObjectStore } from '../lambdas/adapters/local/folder-object-store.ts';
import { unpackFileDrop } from '../lambdas/ingest/unpack-file-drop.ts';

const MB = 1024 * 1024;

if (process.argv[2] === '--one') {
  // Child: unpack one drop, print {peakMb, seconds, unpackedMb} as JSON.
  const file = process.argv[3]!;
  const store = new FolderObjectStore(mkdtempSync(join(tmpdir(), 'strata-footprint-lake-')));
  await store.write('raw', `landing/${basename(file)}`, readFileSync(file));
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const result = await unpackFileDrop(
    { store, clock: { now: () => new Date() }, limits: { maxFileMb: 10_240, maxUnpackedMb: 51_200, maxCompressionRatio: 10_000, maxEntries: 100 }, datasets: REFERENCE_CATALOG.trusted },
    { landingKey: `landing/${basename(file)}` },
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (result.status !== 'ingested') throw new Error(`${file}: ${result.status} ${result.reason ?? ''}`);
  const unpackedMb = result.files.reduce((sum, entry) => sum + entry.bytes, 0) / MB;
  const largestMb = Math.max(...result.files.map((entry) => entry.bytes)) / MB;
  console.log(JSON.stringify({ peakMb: (peak - before) / MB, seconds, unpackedMb, largestMb }));
  process.exit(0);
}

const scaleAt = process.argv.indexOf('--scale');
const scale = scaleAt === -1 ? 2 : Number(process.argv[scaleAt + 1]);
if (!(scale > 0)) refuseOption('ingest-footprint', `--scale must be a positive number, got ${process.argv[scaleAt + 1]}`);
const work = mkdtempSync(join(tmpdir(), 'strata-footprint-'));
const recording = startRecording('ingest-footprint', process.argv.includes('--record'));
try {
  const data = join(work, 'data');
  console.log(`generating Olist at scale ${scale} ...`);
  await generateReference(scale, data);
  const csvs = readdirSync(data).filter((name) => name.endsWith('.csv'));
  const zip = join(work, 'olist.zip');
  writeFileSync(zip, zipSync(Object.fromEntries(csvs.map((name) => [name, readFileSync(join(data, name))]))));
  const drops = [join(data, 'olist_geolocation_dataset.csv'), join(data, 'olist_orders_dataset.csv'), zip];
  let met = true;
  console.log('drop                              drop MB  largest CSV MB  peak MB  model MB  staged MB/s  floor MB/s');
  for (const drop of drops) {
    interface Run { peakMb: number; seconds: number; unpackedMb: number; largestMb: number }
    const runs: Run[] = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--one', drop], { encoding: 'utf8' }).trim().split('\n').pop()!));
    const median = (pick: (run: Run) => number) => runs.map(pick).sort((a, b) => a - b)[1]!;
    const dropMb = statSync(drop).size / MB;
    const largest = runs[0]!.largestMb;
    // The limits that just admit this drop: maxFileMb its drop or largest CSV, maxUnpackedMb what it unpacks to.
    const fileLimit = Math.ceil(Math.max(dropMb, largest));
    const model = ingestMemoryNeedMb({ maxFileMb: fileLimit, maxUnpackedMb: Math.ceil(runs[0]!.unpackedMb), maxEntries: 100 });
    const peak = median((run) => run.peakMb);
    const rate = median((run) => run.unpackedMb / run.seconds);
    met &&= peak <= model && rate >= INGEST_STAGED_MB_PER_SECOND;
    console.log(
      `${basename(drop).padEnd(32)} ${dropMb.toFixed(0).padStart(8)} ${largest.toFixed(0).padStart(15)} ${peak.toFixed(0).padStart(8)} ${String(model).padStart(9)} ${rate.toFixed(1).padStart(12)} ${String(INGEST_STAGED_MB_PER_SECOND).padStart(11)}`,
    );
  }
  console.log(met ? 'model holds: every median peak is under the model, every median rate over its floor' : 'MODEL BROKEN: a peak is over the model or a rate under its floor');
  process.exitCode = met ? 0 : 1;
  recording.finish();
} finally {
  rmSync(work, { recursive: true, force: true });
}
