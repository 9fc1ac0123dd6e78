/**
 * npm run bench:ml: the embedded engine at scale 0.1 and 1 of synthetic
 * Olist data. Trusted is built first by `strata run --flows ingest,process`
 * (not measured); then one process builds the feature store and the churn
 * ABT and trains the candidates, and its wall time and peak RSS (DuckDB
 * included) are measured. Target (issue #4): scale 1 training <= 60 s and
 * <= 2 GiB on 2 cores.
 *
 *   npm run bench:ml [-- --scales 0.1,1] [--record]   (--record: into docs/benchmarks.md)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateReference } from './reference-workload.ts';
import { REPO_ROOT } from '../cli/synth-platform.ts';
import { measure, type Measurement } from './measure-process.ts';
import { parseBenchOptions, positiveNumbersOption } from './options.ts';
import { startRecording } from './record.ts';

const { values } = parseBenchOptions('ml', () => parseArgs({ options: { scales: { type: 'string', default: '0.1,1' }, record: { type: 'boolean', default: false } } }));
const recording = startRecording('ml', values.record);
const scales = positiveNumbersOption('ml', '--scales', values.scales);

interface Figures {
  abtRows: number;
  features: number;
  trainRows: number;
  featureSeconds: number;
  abtSeconds: number;
  trainingSeconds: number;
  timings: Record<string, number>;
}

const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-ml-'));
const env = { ...process.env, STRATA_VERSION: '0.0.0+bench' };
const rows: { scale: number; figures: Figures; pass: Measurement }[] = [];
try {
  for (const scale of scales) {
    const data = join(scratch, `data-${scale}`);
    const lake = join(scratch, `lake-${scale}`);
    process.stdout.write(`scale ${scale}: generating synthetic Olist data and building trusted (not measured)...\n`);
    await generateReference(scale, data);
    await measure(process.execPath, [join(REPO_ROOT, 'bin', 'strata.mjs'), 'run', '--data', data, '--lake', lake, '--flows', 'ingest,process'], { cwd: REPO_ROOT, env });
    process.stdout.write(`scale ${scale}: features + ABT + embedded training (measured)...\n`);
    const figuresFile = join(scratch, `figures-${scale}.json`);
    const pass = await measure(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'train-pass.ts'), lake, figuresFile], { cwd: REPO_ROOT, env });
    rows.push({ scale, figures: JSON.parse(readFileSync(figuresFile, 'utf8')) as Figures, pass });
    rmSync(lake, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const table = [
  ['scale', 'ABT rows x features', 'train rows', 'features', 'ABT', 'training (GBT + LR)', 'gbt', 'logreg', 'process', 'peak RSS'],
  ...rows.map(({ scale, figures, pass }) => [
    String(scale),
    `${figures.abtRows.toLocaleString('en-US')} x ${figures.features}`,
    figures.trainRows.toLocaleString('en-US'),
    `${figures.featureSeconds.toFixed(2)} s`,
    `${figures.abtSeconds.toFixed(2)} s`,
    `${figures.trainingSeconds.toFixed(2)} s`,
    `${(figures.timings['train:gradient-boosting'] ?? 0).toFixed(2)} s`,
    `${(figures.timings['train:logistic-regression'] ?? 0).toFixed(2)} s`,
    `${pass.seconds.toFixed(2)} s`,
    `${pass.peakRssMb.toFixed(0)} MB`,
  ]),
];
const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
console.log(`\n${table.map((line) => `| ${line.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`).join('\n')}\n`);

const large = rows.find((row) => row.scale === 1);
if (large) {
  const check = (label: string, ok: boolean, figure: string) => console.log(`${ok ? 'met   ' : 'MISSED'}  ${label}: ${figure}`);
  check('scale 1 training <= 60 s', large.figures.trainingSeconds <= 60, `${large.figures.trainingSeconds.toFixed(2)} s`);
  check('scale 1 peak RSS <= 2 GiB', large.pass.peakRssMb <= 2048, `${large.pass.peakRssMb.toFixed(0)} MB`);
}
recording.finish();
