/**
 * A workload's synthetic-data generator, as `strata generate` drives it: the
 * command parses and checks the options, the generator writes the files.
 */

export interface GenerateOptions {
  /** 1 is the workload's reference size; above 0, at most `maxScale`. */
  readonly scale: number;
  readonly seed: number;
  /** Share of malformed rows per file, 0 to `maxBadRows`. */
  readonly badRows: number;
  readonly outDir: string;
  /** Called once per file when it is complete. */
  readonly onProgress?: (progress: { readonly file: string; readonly rows: number; readonly bytes: number; readonly seconds: number }) => void;
}

export interface GeneratedFiles {
  /** Per file name: data rows (header excluded) and how many of them are not malformed. */
  readonly files: Readonly<Record<string, { readonly rows: number; readonly cleanRows: number }>>;
}

export interface SplitOptions {
  /** The folder `generate` wrote. */
  readonly from: string;
  /** Where the history and batch folders go. */
  readonly out: string;
  readonly batches: number;
  readonly historyShare: number;
  readonly resend: number;
  readonly seed: number;
}

export interface SplitFolderSummary {
  readonly name: string;
  /** Business entities (orders, readings...) whose first version is in this folder. */
  readonly entities: number;
  /** Earlier entities re-sent changed (0 for the history). */
  readonly resent: number;
  /** Re-sends asked for that no earlier entity was left for. */
  readonly resendShortfall: number;
  readonly rows: number;
  readonly bytes: number;
}

/** Splitting generated data into a history and batches, as a feed would deliver it. */
export interface BatchSplitter {
  /** How the files are split, for `strata generate --help`. */
  readonly description: string;
  /** What `entities` counts, plural (`orders`). */
  readonly entityName: string;
  readonly historyFolder: string;
  readonly defaultHistoryShare: number;
  readonly defaultResend: number;
  readonly maxBatches: number;
  folderName(index: number, batches: number): string;
  split(options: SplitOptions): Promise<readonly SplitFolderSummary[]>;
}

export interface WorkloadGenerator {
  /** What it writes, for `strata generate --help`: one or two sentences. */
  readonly description: string;
  /** What scale 1 means, for `--help` (`99,441 orders, 3,095 sellers`). */
  readonly scaleOne: string;
  readonly maxScale: number;
  readonly defaultSeed: number;
  readonly maxBadRows: number;
  /** What a malformed row may be, for `--help`. */
  readonly badRowKinds: string;
  /** File beside the data holding the counts. */
  readonly manifestFile: string;
  generate(options: GenerateOptions): Promise<GeneratedFiles>;
  /** @default - `--batches` is not offered */
  readonly batches?: BatchSplitter;
}
