/**
 * File-drop ingestion: a CSV, `.csv.gz` or `.zip` of CSVs put under
 * `landing/` in the raw layer becomes `raw/<table>/ingest_date=YYYY-MM-DD/`
 * objects, or, if it breaks any rule, is moved whole to
 * `dataquality/rejected/` with the reason. Drops are untrusted input.
 *
 * Each received CSV is also parsed once, here, into its staged Parquet copy
 * and its rejects file (stage-csv.ts has the rules), so every engine reads
 * the same records the same way. Per file the writes are: the CSV as
 * received, the side files of long rejected records, the rejects file, and
 * the staged file last: a staged file's existence marks its CSV as fully
 * ingested, and the process flow reads only those.
 */
import { createHash } from 'node:crypto';
import type { Environment } from '../../config/schema.ts';
import type { DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { LANDING_PREFIX, receiptKeyOf, REJECTED_PREFIX, stagedKeyOf, stagedRejectsKeyOf } from '../../pipelines/contract/lake-layout.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectStore, StoredObject } from '../ports/object-store.ts';
import { type DropEntry, gzipEntry, plainEntry, zipEntries } from './archive.ts';
import { parquetRows } from '../lake/parquet-rows.ts';
import { archiveFormatOf, DropRefusal, hasArchiveExtension, MAGIC_HEAD_BYTES, type RefusalRule, UnpackMeter } from './refusal.ts';
import { stageCsv } from './stage-csv.ts';

export { REFUSAL_RULES, type RefusalRule } from './refusal.ts';
export { LANDING_PREFIX, REJECTED_PREFIX } from '../../pipelines/contract/lake-layout.ts';

/** `ingestion.maxQuotedFieldKb` when the limits passed do not say. */
const DEFAULT_MAX_QUOTED_FIELD_KB = 10_240;

export interface UnpackFileDropDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** `env.ingestion`; only the unpacking and parsing limits are read (`maxQuotedFieldKb` defaults to 10240). */
  readonly limits: Pick<Environment['ingestion'], 'maxFileMb' | 'maxUnpackedMb' | 'maxCompressionRatio' | 'maxEntries'> &
    Partial<Pick<Environment['ingestion'], 'maxQuotedFieldKb'>>;
  /** Tables a CSV may belong to: the environment's workloads' trusted tables, matched by `sourceFile`. */
  readonly datasets: readonly DatasetDefinition[];
}

export interface UnpackFileDropRequest {
  /** Key in the raw layer, under `landing/` (e.g. `landing/batch-1.zip`). */
  readonly landingKey: string;
  /**
   * The drop's ingest time, ISO 8601 UTC with milliseconds, as `landingSchedule`
   * gave it: its records' `_ingested_at`, and the day of their raw folder.
   * @default - the clock's now
   */
  readonly ingestedAt?: string;
}

/** A drop to unpack and the ingest time its records get. */
export interface ScheduledDrop {
  readonly landingKey: string;
  readonly ingestedAt: string;
}

export interface IngestedFile {
  readonly table: string;
  /** Key in the raw layer: `<table>/ingest_date=YYYY-MM-DD/<sha256[0,12)>-<file name>`. */
  readonly key: string;
  readonly bytes: number;
  /** Data records (after the header; quoted newlines do not start a record): `stagedRows + rejectedRows`. */
  readonly rows: number;
  /**
   * False when raw already held this content (same table, same hash) with its
   * staged copy, and nothing was written. True when anything was written,
   * including only the staged and rejects files of a CSV an interrupted run
   * had received but not staged.
   */
  readonly written: boolean;
  /** Key in raw of the staged Parquet copy (`staged/<table>/ingest_date=<d>/<hash12>-<name>.parquet`). */
  readonly stagedKey: string;
  /** Key in raw of the rejects Parquet file, written even when empty. */
  readonly rejectsKey: string;
  /** Records in the staged file. */
  readonly stagedRows: number;
  /** Records in the rejects file. */
  readonly rejectedRows: number;
}

export type UnpackStatus = 'ingested' | 'refused' | 'already-ingested';

export interface UnpackFileDropResult {
  readonly landingKey: string;
  /**
   * `ingested`: at least one file written to raw. `already-ingested`: every
   * file was already in raw (re-drop), or the landing object was already gone
   * (processed by an earlier, overlapping run). `refused`: nothing written to
   * raw; the drop moved to `rejectedKey`.
   */
  readonly status: UnpackStatus;
  /** Every CSV in the drop, written or not; empty when refused. */
  readonly files: readonly IngestedFile[];
  readonly reason?: string;
  readonly rule?: RefusalRule;
  /** Key in the dataquality layer of the refused drop; its reason is at `<rejectedKey>.reason.json`. */
  readonly rejectedKey?: string;
}

/** Body of `<rejected drop>.reason.json`. */
export interface RejectionReason {
  readonly landingKey: string;
  readonly reason: string;
  readonly rule: RefusalRule;
  readonly refusedAt: string;
}

const MB = 1024 * 1024;

/** What one run unpacks: the first drops in landing order, and how many wait for the next run. */
export interface LandingSchedule {
  readonly drops: ScheduledDrop[];
  readonly deferred: number;
}

/**
 * Gives each listed drop its ingest time: the listing's time, one millisecond
 * later for each drop in landing-name order. Unpacks may then run at once and
 * finish in any order: a later drop's records still win over an earlier one's
 * (the merge orders by ingest time first). At most `maxBytes` of drops (as
 * JSON) are scheduled, the first ones in landing order: the rest stay in
 * landing for the next run, so a backfill of thousands of files cannot grow
 * the flow's state past what Step Functions holds. The scheduled drops are
 * listed largest first, the order the Map starts them in: the longest unpack
 * starts at once instead of last (two at a time, nine Olist files at scale 1
 * unpacked in about 6 s instead of 9).
 */
export function landingSchedule(listed: readonly StoredObject[], listedAt: Date, maxBytes = Number.POSITIVE_INFINITY): LandingSchedule {
  const scheduled: { drop: ScheduledDrop; sizeBytes: number }[] = [];
  let bytes = 2;
  for (const [index, { key: landingKey, sizeBytes }] of listed.entries()) {
    const drop = { landingKey, ingestedAt: new Date(listedAt.getTime() + index).toISOString() };
    bytes += Buffer.byteLength(JSON.stringify(drop)) + 1;
    if (bytes > maxBytes && scheduled.length > 0) break;
    scheduled.push({ drop, sizeBytes });
  }
  // Stable: drops of one size keep their landing order.
  const drops = scheduled.sort((a, b) => b.sizeBytes - a.sizeBytes).map(({ drop }) => drop);
  return { drops, deferred: listed.length - drops.length };
}

/** Drops waiting under `landing/`, oldest name first, with their sizes; skips reason files, hidden files and folder markers. */
export async function listLandingDrops(store: ObjectStore): Promise<StoredObject[]> {
  const objects = await store.list('raw', LANDING_PREFIX);
  return objects.filter(({ key }) => {
    const name = key.slice(key.lastIndexOf('/') + 1);
    return name !== '' && !name.startsWith('.') && !name.endsWith('.reason.json');
  });
}

interface ValidatedFile {
  readonly entry: DropEntry;
  readonly table: string;
  readonly fileName: string;
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * Unpacks one drop. Validation reads every entry once (hashing, metering) and keeps nothing; writing inflates each entry again,
 * one at a time, so memory holds the drop plus one unpacked file, never the
 * whole unpacked archive. Nothing reaches raw until the whole drop passed.
 *
 * Writes are per file (the port has no multi-object transaction): if the
 * process dies between two writes, the landing object is still there and the
 * next run skips what is already in raw by content hash, so it converges.
 *
 * Throws (instead of refusing) only when the request itself is wrong (a key
 * outside `landing/`) or the store fails; the drop is then left in place.
 */
export async function unpackFileDrop(deps: UnpackFileDropDeps, request: UnpackFileDropRequest): Promise<UnpackFileDropResult> {
  const { store, clock, limits } = deps;
  const { landingKey } = request;
  const relativeName = landingKey.slice(LANDING_PREFIX.length);
  if (!landingKey.startsWith(LANDING_PREFIX) || relativeName === '' || landingKey.endsWith('/') || landingKey.split('/').some((part) => part === '..' || part === '')) {
    throw new Error(`unpackFileDrop: landing key "${landingKey}" must be a file under "${LANDING_PREFIX}" without empty or ".." segments`);
  }
  const now = request.ingestedAt === undefined ? clock.now() : new Date(request.ingestedAt);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(request.ingestedAt ?? now.toISOString()) || Number.isNaN(now.getTime())) {
    throw new Error(`unpackFileDrop: ingestedAt "${request.ingestedAt}" must be an ISO 8601 UTC time with milliseconds (2026-12-03T09:00:00.000Z)`);
  }
  const ingestDate = now.toISOString().slice(0, 10);
  const dropName = relativeName.slice(relativeName.lastIndexOf('/') + 1);

  const listed = (await store.list('raw', landingKey)).find((object) => object.key === landingKey);
  if (!listed) {
    return { landingKey, status: 'already-ingested', files: [], reason: `${landingKey} is no longer in landing (processed by an earlier run)` };
  }

  const refuse = async (refusal: DropRefusal, body: Uint8Array | undefined): Promise<UnpackFileDropResult> => {
    const rejectedKey = `${REJECTED_PREFIX}ingest_date=${ingestDate}/${relativeName}`;
    const reason: RejectionReason = { landingKey, reason: refusal.message, rule: refusal.rule, refusedAt: now.toISOString() };
    // The drop first, its reason second, then the landing delete: a crash in between leaves the drop to be refused again, never lost.
    if (body) await store.write('dataquality', rejectedKey, body);
    await store.write('dataquality', `${rejectedKey}.reason.json`, `${JSON.stringify(reason, null, 2)}\n`);
    await store.delete('raw', landingKey);
    return { landingKey, status: 'refused', files: [], reason: refusal.message, rule: refusal.rule, rejectedKey };
  };

  if (listed.sizeBytes > limits.maxFileMb * MB) {
    // Not read, so not copied: a drop this size would not fit in a handler's memory.
    // Raw is versioned, so the deleted landing object stays recoverable as a noncurrent version.
    return refuse(
      new DropRefusal('max-file-size', `${dropName}: ${listed.sizeBytes} bytes, more than maxFileMb (${limits.maxFileMb} MB); not copied to rejected, recover it from the raw bucket's previous versions`),
      undefined,
    );
  }

  const body = await store.read('raw', landingKey);
  let validated: ValidatedFile[];
  try {
    validated = validateDrop(dropName, body, deps);
  } catch (error) {
    if (error instanceof DropRefusal) return refuse(error, body);
    throw error;
  }

  const files: IngestedFile[] = [];
  const datasetOf = new Map(deps.datasets.map((dataset) => [dataset.name, dataset]));
  for (const file of validated) {
    const hashPrefix = file.sha256.slice(0, 12);
    // A content received before (in an earlier drop, or earlier in this one) is known by its receipt: one exact key,
    // whatever the history, instead of listing every file the table ever received.
    const receiptKey = receiptKeyOf(file.table, hashPrefix);
    const freshKey = `${file.table}/ingest_date=${ingestDate}/${hashPrefix}-${file.fileName}`;
    let previous = (await store.exists('raw', receiptKey)) ? receiptOf(await store.read('raw', receiptKey), receiptKey, file.sha256) : undefined;
    // Of two drops of the same file unpacked at once, only one creates the receipt; the other stages the same records
    // under the same key and reports them as not its own (already-ingested).
    let receiptWritten = false;
    let lostToAnotherDrop = false;
    if (!previous) {
      receiptWritten = await store.create('raw', receiptKey, `${JSON.stringify({ key: freshKey, sha256: file.sha256 })}\n`);
      if (!receiptWritten) {
        previous = receiptOf(await store.read('raw', receiptKey), receiptKey, file.sha256);
        lostToAnotherDrop = true;
      }
    }
    if (previous && (await store.exists('raw', stagedKeyOf(previous)))) {
      const [stagedRows, rejectedRows] = await Promise.all([parquetRows(store, 'raw', stagedKeyOf(previous)), parquetRows(store, 'raw', stagedRejectsKeyOf(previous))]);
      files.push({ table: file.table, key: previous, bytes: file.bytes, rows: stagedRows + rejectedRows, written: false, stagedKey: stagedKeyOf(previous), rejectsKey: stagedRejectsKeyOf(previous), stagedRows, rejectedRows });
      continue;
    }
    // A content a run received but stopped before staging is staged now, under the key its receipt names. The receipt
    // comes first: a run that dies after it, before the raw copy or the staged file, leaves the next run the key to finish.
    const key = previous ?? freshKey;
    const body = unpackWhole(dropName, file, limits);
    // After a stopped run the copy may be there: not written again (raw is versioned; a rewrite would keep a second copy).
    // A listing, not a HEAD: ingest may not read raw's received files, and the listing is of one day's folder.
    if (receiptWritten || !(await store.list('raw', key)).some((object) => object.key === key)) await store.write('raw', key, body);
    const dataset = datasetOf.get(file.table)!;
    const stagedCsv = stageCsv(body, {
      receivedKey: key,
      columns: dataset.columns.map((column) => column.name),
      encoding: dataset.encoding,
      maxQuotedFieldKb: limits.maxQuotedFieldKb ?? DEFAULT_MAX_QUOTED_FIELD_KB,
      ingestedAt: now.toISOString(),
    });
    for (const side of stagedCsv.rejectedRecordFiles) await store.write('raw', side.key, side.body);
    await store.write('raw', stagedRejectsKeyOf(key), stagedCsv.rejects);
    await store.write('raw', stagedKeyOf(key), stagedCsv.staged);
    files.push({
      table: file.table,
      key,
      bytes: file.bytes,
      rows: stagedCsv.records,
      written: !lostToAnotherDrop,
      stagedKey: stagedKeyOf(key),
      rejectsKey: stagedRejectsKeyOf(key),
      stagedRows: stagedCsv.stagedRows,
      rejectedRows: stagedCsv.rejectedRows,
    });
  }
  await store.delete('raw', landingKey);
  return { landingKey, status: files.some((file) => file.written) ? 'ingested' : 'already-ingested', files };
}

/** The drop's CSVs with their table, hash and size; throws a DropRefusal at the first broken rule. */
function validateDrop(dropName: string, body: Uint8Array, deps: UnpackFileDropDeps): ValidatedFile[] {
  const { limits } = deps;
  const tableOf = tableLookup(deps.datasets);
  const lower = dropName.toLowerCase();
  const kind = lower.endsWith('.zip') ? 'zip' : lower.endsWith('.csv.gz') ? 'gzip' : lower.endsWith('.csv') ? 'csv' : undefined;
  if (!kind) throw new DropRefusal('unsupported-type', `${dropName}: only .csv, .csv.gz and .zip of CSVs are accepted`);
  if (body.length === 0) throw new DropRefusal('empty-file', `${dropName}: 0 bytes`);
  const entries: DropEntry[] =
    kind === 'zip'
      ? zipEntries(dropName, body, limits).filter((entry) => !isMacOsMetadata(entry.path))
      : kind === 'gzip'
        ? [gzipEntry(dropName, dropName.slice(0, -'.gz'.length), body)]
        : [plainEntry(dropName, body)];

  // Names first: a drop with a nested archive or stray file is refused before anything is inflated.
  const named = entries.map((entry) => {
    if (hasArchiveExtension(entry.fileName)) throw new DropRefusal('nested-archive', `${dropName}: entry "${entry.path}" is an archive; archives inside drops are not unpacked`);
    if (!entry.fileName.toLowerCase().endsWith('.csv')) throw new DropRefusal('unexpected-file', `${dropName}: entry "${entry.path}" is not a .csv file`);
    const table = tableOf(entry.fileName);
    if (!table) throw new DropRefusal('unknown-dataset', `${dropName}: "${entry.fileName}" matches no dataset's source file (or <table>.csv)`);
    return { entry, table };
  });
  if (named.length === 0) throw new DropRefusal('empty-file', `${dropName}: holds no CSV file`);

  const meter = new UnpackMeter(limits, dropName);
  return named.map(({ entry, table }) => {
    const hash = createHash('sha256');
    const head = new Uint8Array(MAGIC_HEAD_BYTES);
    let headLength = 0;
    let bytes = 0;
    const count = meter.entry(entry.path, entry.compressedBytes);
    const checkMagic = (): void => {
      const format = archiveFormatOf(head.subarray(0, headLength));
      if (format) throw new DropRefusal('nested-archive', `${dropName}: entry "${entry.path}" is named like a CSV but its content is ${format}`);
    };
    entry.stream((chunk) => {
      count(chunk.length);
      if (headLength < MAGIC_HEAD_BYTES) {
        const take = chunk.subarray(0, MAGIC_HEAD_BYTES - headLength);
        head.set(take, headLength);
        headLength += take.length;
        if (headLength === MAGIC_HEAD_BYTES) checkMagic();
      }
      bytes += chunk.length;
      hash.update(chunk);
    });
    checkMagic();
    if (bytes === 0) throw new DropRefusal('empty-file', `${dropName}: entry "${entry.path}" is empty (0 bytes)`);
    // A header alone is a valid file with no records (a feed with nothing new for that table): staged empty.
    return { entry, table, fileName: entry.fileName.toLowerCase(), sha256: hash.digest('hex'), bytes };
  });
}

/**
 * The raw key a receipt names. A receipt that names none, or another content
 * whose hash shares its first 12 digits, is not the drop's fault: it fails
 * the unpack loudly, the drop waiting in landing, instead of passing the
 * file for ingested.
 */
function receiptOf(body: Uint8Array, receiptKey: string, sha256: string): string {
  const receipt = JSON.parse(new TextDecoder().decode(body)) as { key?: unknown; sha256?: unknown };
  if (typeof receipt.key !== 'string' || receipt.key === '') throw new Error(`unpackFileDrop: receipt raw/${receiptKey} names no raw key`);
  if (receipt.sha256 !== sha256) throw new Error(`unpackFileDrop: receipt raw/${receiptKey} is of another content (sha256 ${String(receipt.sha256)}, this file ${sha256})`);
  return receipt.key;
}

/** A validated entry's bytes in one buffer, re-inflated under the same limits and checked against the first pass. */
function unpackWhole(dropName: string, file: ValidatedFile, limits: UnpackFileDropDeps['limits']): Uint8Array {
  // Bytes stored as they are were hashed and metered by validation, and nothing can have changed them since.
  if (file.entry.stored) return file.entry.stored;
  const out = new Uint8Array(file.bytes);
  const count = new UnpackMeter(limits, dropName).entry(file.entry.path, file.entry.compressedBytes);
  let at = 0;
  file.entry.stream((chunk) => {
    count(chunk.length);
    if (at + chunk.length > out.length) throw new Error(`${dropName}: entry "${file.entry.path}" unpacked differently on the second pass`);
    out.set(chunk, at);
    at += chunk.length;
  });
  if (at !== out.length || createHash('sha256').update(out).digest('hex') !== file.sha256) {
    throw new Error(`${dropName}: entry "${file.entry.path}" unpacked differently on the second pass`);
  }
  return out;
}

/** Finder adds `__MACOSX/` resource forks and `.DS_Store` to every zip it makes; they carry no data. */
function isMacOsMetadata(path: string): boolean {
  return path.startsWith('__MACOSX/') || path === '.DS_Store' || path.endsWith('/.DS_Store');
}

/** File name (any case) -> table: a dataset's `sourceFile`, or `<table>.csv`. */
function tableLookup(datasets: readonly DatasetDefinition[]): (fileName: string) => string | undefined {
  const byName = new Map<string, string>();
  for (const dataset of datasets) {
    if (!dataset.sourceFile) continue;
    byName.set(dataset.sourceFile.toLowerCase(), dataset.name);
    byName.set(`${dataset.name}.csv`.toLowerCase(), dataset.name);
  }
  return (fileName) => byName.get(fileName.toLowerCase());
}
