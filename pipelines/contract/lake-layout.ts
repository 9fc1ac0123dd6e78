/**
 * Where everything lives in the lake, written once: handlers, engines,
 * stacks, the CLI and tests import these instead of spelling prefixes. Keys
 * are relative to their layer (`raw`, `trusted`, `refined`, `dataquality`).
 *
 * raw/landing/<drop>                                          file drops waiting to be unpacked
 * raw/<table>/ingest_date=<d>/<hash12>-<file>.csv             each file as received (kept for audit)
 * raw/staged/<table>/ingest_date=<d>/<hash12>-<file>.parquet  the same records parsed once: text fields + lineage
 * raw/rejects/<table>/ingest_date=<d>/<hash12>-<file>.parquet records the parser could not stage, with their reason
 * raw/rejects/<table>/ingest_date=<d>/<hash12>-<file>.records/<n>.txt   a rejected record too long for a Parquet cell
 * <layer>/<table>/_table.json                                  the table pointer: the committed version (table-pointer.ts)
 * <layer>/<table>/_v/<commit>/[<column>=<value>/]part-*.parquet   a version's files, immutable once written
 * dataquality/rejected/ingest_date=<d>/<drop>                  refused drops (+ .reason.json)
 * dataquality/quarantine/<table>/_v/<commit>/...               quarantined records, committed with their trusted table
 * dataquality/quarantine/_builds/<run>/<table>.json             each trusted build's counts, for the run's quality check
 * dataquality/results/run_id=<run>/                            rule results of a run
 * dataquality/_scratch/<session>/                              an engine session's scratch relations
 * dataquality/_locks/<flow>.json                               the one-run-per-flow lock (local runs)
 *
 * Names starting with `_` or `.` are skipped by Hive, Spark and Athena
 * readers of a folder: versions are read through their pointer, never by
 * listing, so a version a killed build left behind is never taken for data.
 */

/** Where drops arrive, in the raw layer. */
export const LANDING_PREFIX = 'landing/';
/** Where refused drops go, in the dataquality layer. */
export const REJECTED_PREFIX = 'rejected/';
/** Parsed copies of raw files, in the raw layer. */
export const STAGED_PREFIX = 'staged/';
/** Records the parser rejected, in the raw layer (written by ingest, which may write raw only). */
export const STAGED_REJECTS_PREFIX = 'rejects/';
/** Quarantined records of trusted tables, in the dataquality layer. */
export const QUARANTINE_PREFIX = 'quarantine/';
/** Receipts of received files, by content, in the raw layer: how a file dropped again is known without listing history. */
export const RECEIPTS_PREFIX = 'received/';
/** Folder of a table's versions. */
export const VERSIONS_FOLDER = '_v';
/** A table's pointer, inside its folder. */
export const POINTER_FILE = '_table.json';
/** Names in raw that are not tables' folders. */
export const RESERVED_RAW_FOLDERS = ['landing', 'staged', 'rejects', 'received'] as const;

/** Lineage columns every staged record carries, and trusted rows keep. */
export const LINEAGE = {
  /** When the file was ingested: ISO 8601 UTC with milliseconds, fixed width, so text order is time order. */
  ingestedAt: '_ingested_at',
  /** The file as received: `raw/<table>/ingest_date=<d>/<hash12>-<file>.csv`. */
  sourceFile: '_source_file',
  /** 1-based number of the record within its file, the header not counted. */
  recordNumber: '_record_number',
} as const;
export const LINEAGE_COLUMNS = [LINEAGE.ingestedAt, LINEAGE.sourceFile, LINEAGE.recordNumber] as const;

/** Columns of a staged-rejects file besides the lineage. */
export const STAGED_REJECT_COLUMNS = {
  /** The whole record as it was, decoded as the dataset's encoding; null when it could not be decoded or is in a side file. */
  record: 'record',
  /** The record's bytes in base64 when they could not be decoded. */
  recordBase64: 'record_base64',
  /** Key in raw of the side file holding a record too long for a cell. */
  recordFile: 'record_file',
  reason: 'reason',
} as const;

/** Partition folder of the ingest date, `ingest_date=YYYY-MM-DD`. */
export const INGEST_DATE_PARTITION = 'ingest_date';

/** `<table>/ingest_date=<d>/<file>`: a received file's key in raw. */
export function receivedKey(table: string, ingestDate: string, fileName: string): string {
  return `${table}/${INGEST_DATE_PARTITION}=${ingestDate}/${fileName}`;
}

const withParquet = (fileName: string) => `${fileName.replace(/\.csv$/i, '')}.parquet`;

/** Staged copy of a received file: `staged/<table>/ingest_date=<d>/<name>.parquet`. */
export function stagedKeyOf(receivedRawKey: string): string {
  return `${STAGED_PREFIX}${withParquet(receivedRawKey)}`;
}

/** Rejected records of a received file: `rejects/<table>/ingest_date=<d>/<name>.parquet`. */
export function stagedRejectsKeyOf(receivedRawKey: string): string {
  return `${STAGED_REJECTS_PREFIX}${withParquet(receivedRawKey)}`;
}

/** Side file of one long rejected record. */
export function rejectedRecordKeyOf(receivedRawKey: string, recordNumber: number): string {
  return `${STAGED_REJECTS_PREFIX}${receivedRawKey.replace(/\.csv$/i, '')}.records/${recordNumber}.txt`;
}

/** The received file a staged or rejects key was made from (`raw/...` as lineage names it). */
export function sourceFileOf(stagedOrRejectsKey: string): string {
  const relative = stagedOrRejectsKey.replace(new RegExp(`^(${STAGED_PREFIX}|${STAGED_REJECTS_PREFIX})`), '');
  return `raw/${relative.replace(/\.parquet$/, '.csv')}`;
}

/** The receipt of a table's received content: `received/<table>/<sha12>.json`, whose `key` is the raw key that holds it. */
export const receiptKeyOf = (table: string, contentHash12: string) => `${RECEIPTS_PREFIX}${table}/${contentHash12}.json`;

/** Folder of a table's staged files, `staged/<table>/`. */
export const stagedFolder = (table: string) => `${STAGED_PREFIX}${table}/`;
export const stagedRejectsFolder = (table: string) => `${STAGED_REJECTS_PREFIX}${table}/`;

/** The ingest date a key's `ingest_date=` folder names, if any. */
export function ingestDateOf(key: string): string | undefined {
  return new RegExp(`${INGEST_DATE_PARTITION}=(\\d{4}-\\d{2}-\\d{2})/`).exec(key)?.[1];
}

/** Folder (in dataquality) of a trusted table's quarantine. */
export const quarantineFolder = (table: string) => `${QUARANTINE_PREFIX}${table}`;

/** Key of a table's pointer: `<folder>/_table.json`. */
export const pointerKey = (folder: string) => `${folder}/${POINTER_FILE}`;

/** Folder of one version of a table: `<folder>/_v/<commit>`. */
export const versionFolder = (folder: string, commitId: string) => `${folder}/${VERSIONS_FOLDER}/${commitId}`;

/** Hive-style folder of one partition value, escaped as Spark and Hive write it, so discovery reads the value back. */
export function partitionFolder(column: string, value: string | null): string {
  if (value === null) return `${column}=__HIVE_DEFAULT_PARTITION__`;
  const escaped = value.replace(/[\u0000-\u001f"#%'*/:=?\\\u007f{[\]^]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `${column}=${escaped}`;
}
