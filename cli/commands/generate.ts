import { generatorsOf } from '../../pipelines/workloads/generators.ts';
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { installedCatalog } from '../../pipelines/workloads/registry.ts';
import type { WorkloadGenerator } from '../../pipelines/workloads/workload-generator.ts';
import { parseOptions } from '../parse-options.ts';
import { requireFolderOrAbsent } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

/** The installed workloads' generators, by workload name; the first is the default. */
function generators(): ReadonlyMap<string, WorkloadGenerator> {
  return generatorsOf(installedCatalog());
}

function usage(): string {
  const available = [...generators()];
  const [defaultName, generator] = available[0] ?? [];
  const others = available.slice(1).map(([name]) => name);
  return `Usage: strata generate --scale <n> --out <folder> [--workload <name>] [--seed <n>] [--bad-rows <fraction>]
                       [--batches <n> [--history-share <fraction>] [--resend <fraction>]]

Writes a workload's synthetic data, with a manifest of the counts. The same
arguments give byte-identical files.${generator ? `

${defaultName}: ${generator.description}` : ''}

Options:
  --workload <name>       whose generator (default: ${defaultName ?? 'none installed'}${others.length > 0 ? `; also: ${others.join(', ')}` : ''})
  --scale <n>             1 is the reference size${generator ? ` (${defaultName}: ${generator.scaleOne}); above 0 and up to ${generator.maxScale}` : ''},
                          e.g. 0.01, 0.1, 2
  --out <folder>          where the files go (created if missing; files are replaced)
  --seed <n>              a whole number from 0 to 4294967295 (default: ${generator?.defaultSeed ?? 42})
  --bad-rows <fraction>   share of malformed rows per file, 0 to ${generator?.maxBadRows ?? 0.5} (default: 0)${generator ? `:\n                          ${generator.badRowKinds}; counted in the manifest` : ''}
  --batches <n>           ${generator?.batches ? `${generator.batches.description}: into\n                          <out>/${generator.batches.historyFolder}/ and <out>/${generator.batches.folderName(1, 1)}/ ... (1 to ${generator.batches.maxBatches})` : 'split into a history and n batches, where the generator offers it'}
  --history-share <f>     share of the data in the history, 0 to 1 (default: ${generator?.batches?.defaultHistoryShare ?? 0.9}; with --batches)
  --resend <f>            per batch, earlier ${generator?.batches?.entityName ?? 'records'} still in progress re-sent changed, as a share
                          of the batch's, 0 to 1 (default: ${generator?.batches?.defaultResend ?? 0.3}; with --batches); fewer when fewer are left`;
}

export const generateCommand = {
  summary: "write a workload's synthetic data at any scale (Olist CSVs by default), optionally with malformed rows",
  get usage(): string {
    return usage();
  },
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      workload: { type: 'string' },
      scale: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'bad-rows': { type: 'string' },
      batches: { type: 'string' },
      'history-share': { type: 'string' },
      resend: { type: 'string' },
    });
    const available = generators();
    const workload = options.workload ?? [...available.keys()][0];
    const generator = workload === undefined ? undefined : available.get(workload);
    if (workload === undefined || generator === undefined) {
      throw new UsageError(
        workload === undefined ? 'no installed workload has a data generator' : `--workload ${workload}: no generator; workloads with one: ${[...available.keys()].join(', ') || 'none'}`,
      );
    }
    if (options.out === undefined || options.out === '') throw new UsageError('--out <folder> is required: where to write the files');
    requireFolderOrAbsent('--out', options.out);
    if (options.scale === undefined) throw new UsageError(`--scale <n> is required: a number above 0 and up to ${generator.maxScale} (1 is ${generator.scaleOne})`);
    const scale = decimalOption('--scale', options.scale, `a number above 0 and up to ${generator.maxScale}`, (value) => value > 0 && value <= generator.maxScale);
    const seed =
      options.seed === undefined
        ? generator.defaultSeed
        : decimalOption('--seed', options.seed, 'a whole number from 0 to 4294967295', (value) => Number.isInteger(value) && value <= 0xffffffff);
    const badRows =
      options['bad-rows'] === undefined
        ? 0
        : decimalOption('--bad-rows', options['bad-rows'], `a fraction from 0 to ${generator.maxBadRows}`, (value) => value <= generator.maxBadRows);
    const splitter = generator.batches;
    if (options.batches !== undefined && splitter === undefined) throw new UsageError(`--batches: the ${workload} generator does not split into batches`);
    const batches =
      options.batches === undefined || splitter === undefined
        ? undefined
        : decimalOption('--batches', options.batches, `a whole number from 1 to ${splitter.maxBatches}`, (value) => Number.isInteger(value) && value >= 1 && value <= splitter.maxBatches);
    if (batches === undefined) {
      for (const option of ['history-share', 'resend'] as const) {
        if (options[option] !== undefined) throw new UsageError(`--${option} only applies with --batches <n>`);
      }
    }
    const historyShare =
      options['history-share'] === undefined
        ? (splitter?.defaultHistoryShare ?? 0)
        : decimalOption('--history-share', options['history-share'], 'a fraction from 0 to 1', (value) => value <= 1);
    const resend = options.resend === undefined ? (splitter?.defaultResend ?? 0) : decimalOption('--resend', options.resend, 'a fraction from 0 to 1', (value) => value <= 1);

    const started = performance.now();
    // With --batches the whole dataset is written to a working folder beside the batches, split, then removed.
    const generated = batches === undefined ? options.out : join(options.out, '.generate-full');
    const manifest = await generator.generate({ scale, seed, badRows, outDir: generated, onProgress: reportFile });
    const files = Object.values(manifest.files);
    const rows = files.reduce((sum, file) => sum + file.rows, 0);
    const bad = files.reduce((sum, file) => sum + file.rows - file.cleanRows, 0);
    console.log(
      `strata generate: ${files.length} ${workload} files, ${rows.toLocaleString('en-US')} rows (${bad.toLocaleString('en-US')} malformed) ` +
        `at scale ${scale}, seed ${seed} -> ${relative(process.cwd(), options.out) || '.'}/ in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        (batches === undefined || splitter === undefined ? `counts in ${generator.manifestFile}` : 'splitting into batches...'),
    );
    if (batches === undefined || splitter === undefined) return 0;
    try {
      const folders = await splitter.split({ from: generated, out: options.out, batches, historyShare, resend, seed });
      for (const folder of folders) {
        console.error(
          `  ${folder.name.padEnd(10)} ${folder.entities.toLocaleString('en-US').padStart(9)} ${splitter.entityName}` +
            (folder.name === splitter.historyFolder ? '' : ` + ${folder.resent.toLocaleString('en-US')} re-sent${folder.resendShortfall > 0 ? ` (${folder.resendShortfall} fewer than asked: none left in progress)` : ''}`) +
            `, ${folder.rows.toLocaleString('en-US')} rows, ${(folder.bytes / 1e6).toFixed(1)} MB`,
        );
      }
      console.log(
        `strata generate: split into ${splitter.historyFolder}/ (${(historyShare * 100).toFixed(0)}% of ${splitter.entityName}) and ${splitter.folderName(1, batches)}/ ... ${splitter.folderName(batches, batches)}/ ` +
          `(re-sending ${resend} of each batch) in ${relative(process.cwd(), options.out) || '.'}/`,
      );
    } finally {
      rmSync(generated, { recursive: true, force: true });
    }
    return 0;
  },
};

/** Plain decimal numbers only: "1e3", "0x10" or " 2" are more likely typos than intent. */
function decimalOption(option: string, text: string, allowed: string, isAllowed: (value: number) => boolean): number {
  const value = /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value) || !isAllowed(value)) throw new UsageError(`${option} must be ${allowed} (got "${text}")`);
  return value;
}

function reportFile(progress: { file: string; rows: number; bytes: number; seconds: number }): void {
  console.error(
    `  ${progress.file.padEnd(38)} ${progress.rows.toLocaleString('en-US').padStart(11)} rows ${(progress.bytes / 1e6).toFixed(1).padStart(7)} MB ${progress.seconds.toFixed(1).padStart(5)} s`,
  );
}
