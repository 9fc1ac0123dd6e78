/**
 * File-drop ingestion: a CSV, `.csv.gz` or `.zip` of CSVs put under
 * `landing/` in the raw layer becomes `raw/<table>/ingest_date=YYYY-MM-DD/`
 * objects, or, if it breaks any rule, is moved whole to
 * `dataquality/rejected/` with the reason. Drops are untrusted input.
 */
import { createHash } from 'node:crypto';
import type { Environment } from '../../config/schema.ts';
import type { DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { OLIST_DATASETS } from '../../pipelines/datasets/olist.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { type DropEntry, gzipEntry, plainEntry, zipEntries } from './archive.ts';
import { CsvRecordCounter } from './csv-records.ts';
import { archiveFormatOf, DropRefusal, hasArchiveExtension, MAGIC_HEAD_BYTES, type RefusalRule, UnpackMeter } from './refusal.ts';

export { REFUSAL_RULES, type RefusalRule } from './refusal.ts';

/** Where drops arrive, in the raw layer. */
export const LANDING_PREFIX = 'landing/';
/** Where refused drops go, in the dataquality layer. */
export const REJECTED_PREFIX = 'rejected/';

export interface UnpackFileDropDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** `env.ingestion`; only the unpacking limits are read. */
  readonly limits: Pick<Environment['ingestion'], 'maxFileMb' | 'maxUnpackedMb' | 'maxCompressionRatio' | 'maxEntries'>;
  /** Tables a CSV may belong to. @default OLIST_DATASETS */
  readonly datasets?: readonly DatasetDefinition[];
}

export interface UnpackFileDropRequest {
  /** Key in the raw layer, under `landing/` (e.g. `landing/batch-1.zip`). */
  readonly landingKey: string;
}

export interface IngestedFile {
  readonly table: string;
  /** Key in the raw layer: `<table>/ingest_date=YYYY-MM-DD/<sha256[0,12)>-<file name>`. */
  readonly key: string;
  readonly bytes: number;
  /** CSV records after the header; quoted newlines do not start a record. */
  readonly rows: number;
  /** False when raw already held this content (same table, same hash) and nothing was written. */
  readonly written: boolean;
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

/** Drops waiting under `landing/`, oldest name first; skips reason files, hidden files and folder markers. */
export async function listLandingDrops(store: ObjectStore): Promise<string[]> {
  const objects = await store.list('raw', LANDING_PREFIX);
  return objects
    .map(({ key }) => key)
    .filter((key) => {
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
  readonly rows: number;
}

/**
 * Unpacks one drop. Validation reads every entry once (hashing, counting
 * records, metering) and keeps nothing; writing inflates each entry again,
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
  const now = clock.now();
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
  // Per table: first 12 hex of the content hash -> the raw key that already holds it.
  const knownByTable = new Map<string, Map<string, string>>();
  for (const file of validated) {
    let known = knownByTable.get(file.table);
    if (!known) {
      known = new Map();
      for (const { key } of await store.list('raw', `${file.table}/`)) {
        const name = key.slice(key.lastIndexOf('/') + 1);
        if (name.charAt(12) === '-') known.set(name.slice(0, 12), key);
      }
      knownByTable.set(file.table, known);
    }
    const hashPrefix = file.sha256.slice(0, 12);
    const previous = known.get(hashPrefix);
    if (previous) {
      files.push({ table: file.table, key: previous, bytes: file.bytes, rows: file.rows, written: false });
      continue;
    }
    const key = `${file.table}/ingest_date=${ingestDate}/${hashPrefix}-${file.fileName}`;
    await store.write('raw', key, unpackWhole(dropName, file, limits));
    known.set(hashPrefix, key);
    files.push({ table: file.table, key, bytes: file.bytes, rows: file.rows, written: true });
  }
  await store.delete('raw', landingKey);
  return { landingKey, status: files.some((file) => file.written) ? 'ingested' : 'already-ingested', files };
}

/** The drop's CSVs with their table, hash and row count; throws a DropRefusal at the first broken rule. */
function validateDrop(dropName: string, body: Uint8Array, deps: UnpackFileDropDeps): ValidatedFile[] {
  const { limits } = deps;
  const tableOf = tableLookup(deps.datasets ?? OLIST_DATASETS);
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
    const counter = new CsvRecordCounter();
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
      counter.push(chunk);
    });
    checkMagic();
    if (bytes === 0) throw new DropRefusal('empty-file', `${dropName}: entry "${entry.path}" is empty (0 bytes)`);
    const rows = counter.dataRows();
    if (rows === 0) throw new DropRefusal('empty-file', `${dropName}: entry "${entry.path}" has a header but no data rows`);
    return { entry, table, fileName: entry.fileName.toLowerCase(), sha256: hash.digest('hex'), bytes, rows };
  });
}

/** A validated entry's bytes in one buffer, re-inflated under the same limits and checked against the first pass. */
function unpackWhole(dropName: string, file: ValidatedFile, limits: UnpackFileDropDeps['limits']): Uint8Array {
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
