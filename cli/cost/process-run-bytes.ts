/**
 * Bytes one `process` run scans and writes, from the data path: what arrives
 * per run (usage `dataPath`) and what the lake holds (usage `storage.storedGb`).
 * Written once here; `strata cost` prices it (the Athena platform workgroup,
 * a full-refresh line) and tests/cli/cost/process-run-bytes-acceptance.test.ts
 * holds it against the bytes a local run reports.
 *
 * The pipeline (lambdas/transform/build-trusted.ts, build-refined.ts,
 * lambdas/quality/check-quality.ts) per incremental run, with
 *   C = dataPath.newCsvGbPerProcessRun   p = dataPath.parquetBytesPerCsvByte
 *   T = storedGb.trusted                 F = storedGb.refined
 *   s = dataPath.rewrittenShare          k = dataPath.keyLookupShare
 *   c = dataPath.cascadeParentBytesPerTrustedByte
 *   i = dataPath.refinedInputBytesPerTrustedByte
 *
 *   staged new     S = C x p            the staged Parquet (and rejects) newer than each table's watermark
 *   key lookup     K = T x k x (1 + c)  each built table's key, partition and lineage columns, whole table
 *                                       (a semi-join prunes no partition), plus those of its cascade parents
 *   rewritten      R = T x s            the trusted rows of the partitions the batch touches, read to be kept
 *   trusted write  W = R + S            the touched partitions again, plus the batch: every record lands in
 *                                       trusted or quarantine, and a replaced trusted row moves to quarantine
 *   refined        I = T x i read, F written   priced as a whole rebuild: exact for a whole model, an upper bound for an incremental one (reads its inputs, writes only the months it touches)
 *   quality        Q = W + F            the trusted partitions written this run, and refined whole
 *
 *   scanned = S + K + R + I + Q         written = W + F
 *
 * A run with no new data (C = 0) skips every table: nothing is scanned or
 * written (the freshness rules read pointers, not data). A full refresh
 * reads every staged file (storedGb.raw x p / (1 + p): raw holds each CSV as
 * received beside its staged Parquet), looks up only the cascade parents
 * (T x k x c; it merges into nothing), writes trusted whole (T) and rebuilds
 * refined and checks quality as above, over all of trusted:
 *
 *   full refresh scanned = raw x p/(1+p) + T x k x c + I + (T + F)   written = T + F
 *
 * Not counted (neither does the local run report): the staged files a build
 * reads back for the records of trusted rows a batch replaces, and engine
 * scratch (temporary tables) of batch size. The Athena line adds one re-read
 * of what is written, because its writes are a CTAS then an UNLOAD of it.
 */
import type { UsageProfile } from './usage.ts';

export const BYTES_PER_GB = 1024 ** 3;

/** The inputs of the formula, in GB and ratios, as the usage profile holds them. */
export interface DataPathInput {
  /** storage.storedGb.raw */
  readonly rawGb: number;
  /** storage.storedGb.trusted */
  readonly trustedGb: number;
  /** storage.storedGb.refined */
  readonly refinedGb: number;
  readonly dataPath: UsageProfile['dataPath'];
}

export function dataPathInput(usage: UsageProfile): DataPathInput {
  return { rawGb: usage.storage.storedGb.raw, trustedGb: usage.storage.storedGb.trusted, refinedGb: usage.storage.storedGb.refined, dataPath: usage.dataPath };
}

/** Bytes of one process run, by term. */
export interface ProcessRunBytes {
  readonly fullRefresh: boolean;
  /** Read: staged Parquet and rejects of the batch (a full refresh: every staged file). */
  readonly stagedRead: number;
  /** Read: key, partition and lineage columns of the built tables and their cascade parents. */
  readonly keyLookup: number;
  /** Read: trusted rows of the partitions the batch rewrites (0 in a full refresh: it merges into nothing). */
  readonly rewrittenRead: number;
  /** Read: the trusted inputs of the refined models, whole. */
  readonly refinedRead: number;
  /** Read: the trusted partitions written this run and refined whole. */
  readonly qualityRead: number;
  /** Written: trusted partitions and quarantine. */
  readonly trustedWritten: number;
  /** Written: refined tables, whole. */
  readonly refinedWritten: number;
  /** stagedRead + keyLookup + rewrittenRead + refinedRead + qualityRead */
  readonly scanned: number;
  /** trustedWritten + refinedWritten */
  readonly written: number;
  /** The largest single statement: dataPath.largestQueryShare x scanned. */
  readonly largestQuery: number;
}

function total(terms: Omit<ProcessRunBytes, 'scanned' | 'written' | 'largestQuery'>, largestQueryShare: number): ProcessRunBytes {
  const scanned = terms.stagedRead + terms.keyLookup + terms.rewrittenRead + terms.refinedRead + terms.qualityRead;
  return { ...terms, scanned, written: terms.trustedWritten + terms.refinedWritten, largestQuery: scanned * largestQueryShare };
}

/** One incremental (hourly) process run. */
export function incrementalRunBytes(input: DataPathInput): ProcessRunBytes {
  const d = input.dataPath;
  const T = input.trustedGb * BYTES_PER_GB;
  const F = input.refinedGb * BYTES_PER_GB;
  const S = d.newCsvGbPerProcessRun * BYTES_PER_GB * d.parquetBytesPerCsvByte;
  if (S === 0) {
    return total({ fullRefresh: false, stagedRead: 0, keyLookup: 0, rewrittenRead: 0, refinedRead: 0, qualityRead: 0, trustedWritten: 0, refinedWritten: 0 }, d.largestQueryShare);
  }
  const R = T * d.rewrittenShare;
  const W = R + S;
  return total(
    {
      fullRefresh: false,
      stagedRead: S,
      keyLookup: T * d.keyLookupShare * (1 + d.cascadeParentBytesPerTrustedByte),
      rewrittenRead: R,
      refinedRead: T * d.refinedInputBytesPerTrustedByte,
      qualityRead: W + F,
      trustedWritten: W,
      refinedWritten: F,
    },
    d.largestQueryShare,
  );
}

/** One `--full-refresh` process run: every table rebuilt from all staged files. */
export function fullRefreshBytes(input: DataPathInput): ProcessRunBytes {
  const d = input.dataPath;
  const T = input.trustedGb * BYTES_PER_GB;
  const F = input.refinedGb * BYTES_PER_GB;
  const p = d.parquetBytesPerCsvByte;
  return total(
    {
      fullRefresh: true,
      stagedRead: input.rawGb * BYTES_PER_GB * (p / (1 + p)),
      keyLookup: T * d.keyLookupShare * d.cascadeParentBytesPerTrustedByte,
      rewrittenRead: 0,
      refinedRead: T * d.refinedInputBytesPerTrustedByte,
      qualityRead: T + F,
      trustedWritten: T,
      refinedWritten: F,
    },
    d.largestQueryShare,
  );
}

const gb = (bytes: number) => bytes / BYTES_PER_GB;

/** The formula with the profile's numbers, for a cost line's "how" text; `fmt` prints a quantity. */
export function explainRunBytes(input: DataPathInput, bytes: ProcessRunBytes, fmt: (value: number) => string): string {
  const d = input.dataPath;
  const g = (value: number) => `${fmt(gb(value))} GB`;
  const lookup = `key lookup ${fmt(input.trustedGb)} GB trusted x ${fmt(d.keyLookupShare)} keyLookupShare x (${bytes.fullRefresh ? '' : '1 + '}${fmt(d.cascadeParentBytesPerTrustedByte)} cascade parents) = ${g(bytes.keyLookup)}`;
  const refined = `refined rebuild ${fmt(input.trustedGb)} GB x ${fmt(d.refinedInputBytesPerTrustedByte)} = ${g(bytes.refinedRead)}`;
  if (bytes.fullRefresh) {
    const p = d.parquetBytesPerCsvByte;
    return (
      `every staged file ${fmt(input.rawGb)} GB raw x ${fmt(p)}/(1 + ${fmt(p)}) = ${g(bytes.stagedRead)} + ${lookup} + ${refined} + quality trusted + refined whole ${g(bytes.qualityRead)} = ${g(bytes.scanned)} scanned; ` +
      `written trusted ${g(bytes.trustedWritten)} + refined ${g(bytes.refinedWritten)}`
    );
  }
  if (bytes.stagedRead === 0) return 'no new data per run (dataPath.newCsvGbPerProcessRun 0): every table is skipped, 0 GB scanned';
  return (
    `staged new ${fmt(d.newCsvGbPerProcessRun)} GB CSV x ${fmt(d.parquetBytesPerCsvByte)} = ${g(bytes.stagedRead)} + ${lookup} + ` +
    `rewritten partitions ${fmt(input.trustedGb)} GB x ${fmt(d.rewrittenShare)} rewrittenShare = ${g(bytes.rewrittenRead)} + ${refined} + ` +
    `quality (written trusted + refined ${fmt(input.refinedGb)} GB) = ${g(bytes.qualityRead)}; = ${g(bytes.scanned)} scanned; written trusted + quarantine ${g(bytes.trustedWritten)} + refined ${g(bytes.refinedWritten)}`
  );
}
