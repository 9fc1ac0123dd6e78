/**
 * What the ingest functions need to unpack and stage the largest drop the
 * `ingestion` limits accept: the memory and time an environment must give
 * them, so a drop the limits let through cannot fail for lack of either (it
 * would stay in landing and fail again on every run).
 *
 * The unpack holds the drop and one unpacked CSV, and staging a CSV holds
 * its records' row groups and the encoded Parquet file. Measured on a 2-core
 * machine with `unpackFileDrop` over the folder store (peak RSS above the
 * process before the unpack; generated Olist data at scale 4; `npm run
 * bench:ingest-footprint -- --scale 4` repeats it and fails if the model
 * stops holding):
 *
 * | drop                          | largest CSV | peak above start | staged MB/s |
 * |-------------------------------|-------------|------------------|-------------|
 * | orders CSV, 66 MB             | 66 MB       | 296 MB           | 12.9        |
 * | geolocation CSV, 225 MB       | 225 MB      | 297 MB           | 12.9        |
 * | orders x4 CSV, 266 MB         | 266 MB      | 392 MB           | 15.8        |
 * | zip of orders x4, 101 MB      | 266 MB      | 656 MB           | 11.3        |
 * | zip of all nine files, 169 MB | 225 MB      | 541 MB           | 10.6        |
 *
 * The model below, runtime + drop + twice the largest CSV, is above every
 * measured peak by more than half; the time allows half the slowest measured
 * rate, on the share of a vCPU the memory buys on Lambda.
 */
import type { Environment } from './schema.ts';

type IngestionLimits = Pick<Environment['ingestion'], 'maxFileMb' | 'maxUnpackedMb' | 'maxEntries'>;

/** The Node runtime, the handler bundle and the store client, before any drop is read. */
export const INGEST_RUNTIME_MB = 384;
/** Staging, both inflate passes and the writes, per MB of CSV, on one full vCPU: half the slowest rate measured. */
export const INGEST_STAGED_MB_PER_SECOND = 5;
/** Listing, receipts and store round trips that do not grow with the drop. */
export const INGEST_FIXED_SECONDS = 30;
/** Lambda gives a function one full vCPU at this memory, and a share of one below it. */
export const LAMBDA_FULL_VCPU_MB = 1769;
/** The most memory an Azure Flex Consumption instance has; one environment file deploys both clouds. */
export const FLEX_LARGEST_INSTANCE_MB = 4096;
/** Lambda's longest timeout. */
export const LAMBDA_LONGEST_TIMEOUT_SECONDS = 900;

/** The largest CSV a drop may hold: every file, packed or not, is refused past maxFileMb unpacked, and past the drop's total. */
function largestCsvMb(limits: IngestionLimits): number {
  return Math.min(limits.maxFileMb, limits.maxUnpackedMb);
}

/** What one drop may unpack to in all: its total, or as many largest files as it may hold entries. */
function unpackedPerDropMb(limits: IngestionLimits): number {
  return Math.min(limits.maxUnpackedMb, limits.maxEntries * largestCsvMb(limits));
}

/** Memory the ingest functions need for the largest drop the limits accept, in MB. */
export function ingestMemoryNeedMb(limits: IngestionLimits): number {
  return INGEST_RUNTIME_MB + limits.maxFileMb + 2 * largestCsvMb(limits);
}

/** Seconds the ingest functions need, at a memory size, to unpack and stage everything one drop may hold. */
export function ingestTimeoutNeedSeconds(limits: IngestionLimits, memoryMb: number): number {
  const vcpu = Math.min(1, memoryMb / LAMBDA_FULL_VCPU_MB);
  return INGEST_FIXED_SECONDS + Math.ceil(unpackedPerDropMb(limits) / (INGEST_STAGED_MB_PER_SECOND * vcpu));
}
