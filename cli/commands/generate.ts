import { relative } from 'node:path';
import { DEFAULT_SEED, generateOlist, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE, type FileProgress } from '../generate/generate-olist.ts';
import { parseOptions } from '../parse-options.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `Usage: strata generate --scale <n> --out <folder> [--seed <n>] [--bad-rows <fraction>]

Writes synthetic Olist e-commerce data: the nine CSV files of the published
dataset, same names and headers, plus ${MANIFEST_FILE}. The same arguments give
byte-identical files.

Options:
  --scale <n>             1 is the published size (99,441 orders, 3,095 sellers);
                          any number above 0 and up to ${MAX_SCALE}, e.g. 0.01, 0.1, 2
  --out <folder>          where the files go (created if missing; files are replaced)
  --seed <n>              a whole number from 0 to 4294967295 (default: ${DEFAULT_SEED})
  --bad-rows <fraction>   share of malformed rows per file, 0 to ${MAX_BAD_ROWS} (default: 0):
                          bad dates, bad numbers, duplicates, extra fields,
                          empty keys, values out of range; counted in the manifest`;

export const generateCommand = {
  summary: 'write synthetic Olist CSVs at any scale, optionally with malformed rows',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      scale: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'bad-rows': { type: 'string' },
    });
    if (options.out === undefined || options.out === '') throw new UsageError('--out <folder> is required: where to write the files');
    if (options.scale === undefined) throw new UsageError(`--scale <n> is required: a number above 0 and up to ${MAX_SCALE} (1 is the published Olist size)`);
    const scale = decimalOption('--scale', options.scale, `a number above 0 and up to ${MAX_SCALE}`, (value) => value > 0 && value <= MAX_SCALE);
    const seed =
      options.seed === undefined
        ? DEFAULT_SEED
        : decimalOption('--seed', options.seed, 'a whole number from 0 to 4294967295', (value) => Number.isInteger(value) && value <= 0xffffffff);
    const badRows =
      options['bad-rows'] === undefined
        ? 0
        : decimalOption('--bad-rows', options['bad-rows'], `a fraction from 0 to ${MAX_BAD_ROWS}`, (value) => value <= MAX_BAD_ROWS);

    const started = performance.now();
    const manifest = await generateOlist({ scale, seed, badRows, outDir: options.out, onProgress: reportFile });
    const files = Object.values(manifest.files);
    const rows = files.reduce((sum, file) => sum + file.rows, 0);
    const bad = files.reduce((sum, file) => sum + file.rows - file.cleanRows, 0);
    console.log(
      `strata generate: ${files.length} Olist files, ${rows.toLocaleString('en-US')} rows (${bad.toLocaleString('en-US')} malformed) ` +
        `at scale ${scale}, seed ${seed} -> ${relative(process.cwd(), options.out) || '.'}/ in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `counts in ${MANIFEST_FILE}`,
    );
    return 0;
  },
};

/** Plain decimal numbers only: "1e3", "0x10" or " 2" are more likely typos than intent. */
function decimalOption(option: string, text: string, allowed: string, isAllowed: (value: number) => boolean): number {
  const value = /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value) || !isAllowed(value)) throw new UsageError(`${option} must be ${allowed} (got "${text}")`);
  return value;
}

function reportFile(progress: FileProgress): void {
  console.error(
    `  ${progress.file.padEnd(38)} ${progress.rows.toLocaleString('en-US').padStart(11)} rows ${(progress.bytes / 1e6).toFixed(1).padStart(7)} MB ${progress.seconds.toFixed(1).padStart(5)} s`,
  );
}
