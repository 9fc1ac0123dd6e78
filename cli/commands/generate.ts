import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_SEED, generateOlist, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE, type FileProgress } from '../generate/generate-olist.ts';
import { batchFolderName, DEFAULT_HISTORY_SHARE, DEFAULT_RESEND, HISTORY_FOLDER, MAX_BATCHES, splitIntoBatches } from '../generate/split-batches.ts';
import { parseOptions } from '../parse-options.ts';
import { requireFolderOrAbsent } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `Usage: strata generate --scale <n> --out <folder> [--seed <n>] [--bad-rows <fraction>]
                       [--batches <n> [--history-share <fraction>] [--resend <fraction>]]

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
                          empty keys, values out of range; counted in the manifest
  --batches <n>           split the data by purchase date, as a feed would deliver it, into
                          <out>/${HISTORY_FOLDER}/ and <out>/batch-01/ ... batch-<n>/ (1 to ${MAX_BATCHES}), each
                          with the nine files (a file may hold only its header): the
                          oldest orders in ${HISTORY_FOLDER}, the rest in n even slices; items,
                          payments, reviews and customers go with their order, sellers
                          and products with the first folder whose items name them
                          (otherwise, and geolocation and categories, in ${HISTORY_FOLDER})
  --history-share <f>     share of orders in ${HISTORY_FOLDER}, 0 to 1 (default: ${DEFAULT_HISTORY_SHARE}; with --batches)
  --resend <f>            per batch, the latest earlier orders still in progress re-sent as delivered,
                          as a share of the batch's orders, 0 to 1 (default: ${DEFAULT_RESEND}; with
                          --batches); fewer when fewer are left in progress`;

export const generateCommand = {
  summary: 'write synthetic Olist CSVs at any scale, optionally with malformed rows',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      scale: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'bad-rows': { type: 'string' },
      batches: { type: 'string' },
      'history-share': { type: 'string' },
      resend: { type: 'string' },
    });
    if (options.out === undefined || options.out === '') throw new UsageError('--out <folder> is required: where to write the files');
    requireFolderOrAbsent('--out', options.out);
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
    const batches =
      options.batches === undefined
        ? undefined
        : decimalOption('--batches', options.batches, `a whole number from 1 to ${MAX_BATCHES}`, (value) => Number.isInteger(value) && value >= 1 && value <= MAX_BATCHES);
    if (batches === undefined) {
      for (const option of ['history-share', 'resend'] as const) {
        if (options[option] !== undefined) throw new UsageError(`--${option} only applies with --batches <n>`);
      }
    }
    const historyShare =
      options['history-share'] === undefined
        ? DEFAULT_HISTORY_SHARE
        : decimalOption('--history-share', options['history-share'], 'a fraction from 0 to 1', (value) => value <= 1);
    const resend = options.resend === undefined ? DEFAULT_RESEND : decimalOption('--resend', options.resend, 'a fraction from 0 to 1', (value) => value <= 1);

    const started = performance.now();
    // With --batches the whole dataset is written to a working folder beside the batches, split, then removed.
    const generated = batches === undefined ? options.out : join(options.out, '.generate-full');
    const manifest = await generateOlist({ scale, seed, badRows, outDir: generated, onProgress: reportFile });
    const files = Object.values(manifest.files);
    const rows = files.reduce((sum, file) => sum + file.rows, 0);
    const bad = files.reduce((sum, file) => sum + file.rows - file.cleanRows, 0);
    console.log(
      `strata generate: ${files.length} Olist files, ${rows.toLocaleString('en-US')} rows (${bad.toLocaleString('en-US')} malformed) ` +
        `at scale ${scale}, seed ${seed} -> ${relative(process.cwd(), options.out) || '.'}/ in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        (batches === undefined ? `counts in ${MANIFEST_FILE}` : 'splitting by purchase date...'),
    );
    if (batches === undefined) return 0;
    try {
      const split = await splitIntoBatches({ from: generated, out: options.out, batches, historyShare, resend, seed });
      for (const folder of split.folders) {
        const rows = Object.values(folder.rows).reduce((sum, count) => sum + count, 0);
        console.error(
          `  ${folder.name.padEnd(10)} ${folder.orders.toLocaleString('en-US').padStart(9)} orders` +
            (folder.name === HISTORY_FOLDER ? '' : ` + ${folder.resent.toLocaleString('en-US')} re-sent${folder.resendShortfall > 0 ? ` (${folder.resendShortfall} fewer than asked: none left in progress)` : ''}`) +
            `, ${rows.toLocaleString('en-US')} rows, ${(folder.bytes / 1e6).toFixed(1)} MB`,
        );
      }
      console.log(
        `strata generate: split into ${HISTORY_FOLDER}/ (${(historyShare * 100).toFixed(0)}% of orders) and ${batchFolderName(1, batches)}/ ... ${batchFolderName(batches, batches)}/ ` +
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

function reportFile(progress: FileProgress): void {
  console.error(
    `  ${progress.file.padEnd(38)} ${progress.rows.toLocaleString('en-US').padStart(11)} rows ${(progress.bytes / 1e6).toFixed(1).padStart(7)} MB ${progress.seconds.toFixed(1).padStart(5)} s`,
  );
}
