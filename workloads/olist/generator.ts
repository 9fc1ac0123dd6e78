/** Synthetic Olist data for `strata generate`: the nine files at any scale, and their split into a history and batches. */
import type { SplitFolderSummary, WorkloadGenerator } from '../../pipelines/workloads/workload-generator.ts';
import { DEFAULT_HISTORY_SHARE, DEFAULT_RESEND, HISTORY_FOLDER, MAX_BATCHES, batchFolderName } from './generate/batch-folders.ts';
import { generateOlist } from './generate/generate-olist.ts';
import { DEFAULT_SEED, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE } from './generate/limits.ts';
import { splitIntoBatches } from './generate/split-batches.ts';

export const olistGenerator: WorkloadGenerator = {
  description: 'Writes synthetic Olist e-commerce data: the nine CSV files of the published dataset, same names and headers.',
  scaleOne: '99,441 orders, 3,095 sellers',
  maxScale: MAX_SCALE,
  defaultSeed: DEFAULT_SEED,
  maxBadRows: MAX_BAD_ROWS,
  badRowKinds: 'bad dates, bad numbers, duplicates, extra fields, empty keys, values out of range',
  manifestFile: MANIFEST_FILE,
  generate: generateOlist,
  batches: {
    description:
      'split the data by purchase date, as a feed would deliver it: the oldest orders in the history, the rest in n even slices; ' +
      'items, payments, reviews and customers go with their order, sellers and products with the first folder whose items name them ' +
      '(otherwise, and geolocation and categories, in the history)',
    entityName: 'orders',
    historyFolder: HISTORY_FOLDER,
    defaultHistoryShare: DEFAULT_HISTORY_SHARE,
    defaultResend: DEFAULT_RESEND,
    maxBatches: MAX_BATCHES,
    folderName: batchFolderName,
    async split(options): Promise<SplitFolderSummary[]> {
      const result = await splitIntoBatches(options);
      return result.folders.map((folder) => ({
        name: folder.name,
        entities: folder.orders,
        resent: folder.resent,
        resendShortfall: folder.resendShortfall,
        rows: Object.values(folder.rows).reduce((sum, count) => sum + count, 0),
        bytes: folder.bytes,
      }));
    },
  },
};
