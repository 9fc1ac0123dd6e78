/**
 * Parses a received CSV once, at ingest, into its staged and rejects Parquet
 * files (pipelines/contract/lake-layout.ts), with the rules every engine then
 * inherits instead of parsing the CSV its own way:
 *
 * - the header is the first record; columns are mapped by name (trimmed, BOM
 *   removed, case-sensitive), in any order; a header that misses a dataset
 *   column, names one the dataset does not define, or names one twice makes
 *   the file unusable: every data record goes to rejects with the header's
 *   reason and the staged file is empty (the table's next good file stages);
 * - CRLF, LF and bare CR end records; a line break inside a quoted field
 *   belongs to the field; an empty line is not a record;
 * - a record whose field count differs from the header's, that holds a NUL,
 *   whose bytes do not decode in the dataset's encoding (never replaced with
 *   U+FFFD), or that csv-parse finds malformed (a quote inside an unquoted
 *   field, text after a closing quote) is rejected alone;
 * - a quoted field longer than `maxQuotedFieldKb` (or still open at the end of
 *   the file) is taken for a stray quote: the record is rejected from its start
 *   to the end of the opening quote's line, and parsing resumes on the next
 *   line, so one stray quote cannot swallow the records after it;
 * - a byte-order mark that contradicts the declared encoding rejects every
 *   record: the encoding is declared, never guessed.
 *
 * Every data record (numbered from 1, the header not counted) ends up in
 * exactly one of the two files. A rejected record over 1 MiB is kept whole in
 * a side file named by its rejects row.
 *
 * How: a record splitter runs over the file's bytes (code units for UTF-16)
 * and finds record boundaries only: it follows quotes the way RFC 4180 does (a
 * quote opens a quoted field only at a field's start, `""` inside one is an
 * escaped quote), which is what the resync above needs. The fields of each
 * record are then parsed by csv-parse (strict: no relaxed quotes), fed in
 * batches of whole records, so csv-parse and the splitter always agree on
 * where records start: a record csv-parse refuses is rejected with its reason
 * and parsing goes on with the next one.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { CsvError, parse, type Options as CsvParseOptions } from 'csv-parse/sync';
import { rejectedRecordKeyOf } from '../../pipelines/contract/lake-layout.ts';
import type { DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { type RejectedRecord, RejectsParquetWriter, StagedParquetWriter } from './staged-parquet.ts';

/** The encodings a dataset may declare for its files. */
export type CsvEncoding = NonNullable<DatasetDefinition['encoding']>;

/** A rejected record longer than this (bytes, without its line terminator) goes whole to a side file. */
export const MAX_INLINE_REJECT_BYTES = 1024 * 1024;

export interface StageCsvOptions {
  /** Key in raw of the received file (`<table>/ingest_date=<d>/<hash12>-<file>.csv`); lineage says `raw/<receivedKey>`. */
  readonly receivedKey: string;
  /** The dataset's columns, in the definition's order: the staged file's columns. */
  readonly columns: readonly string[];
  /** @default 'utf-8' */
  readonly encoding?: CsvEncoding;
  /** `ingestion.maxQuotedFieldKb`. */
  readonly maxQuotedFieldKb: number;
  /** `_ingested_at`: ISO 8601 UTC with milliseconds. */
  readonly ingestedAt: string;
}

/** A rejected record too long for a Parquet cell, to be written to raw at `key` (its bytes exactly as in the file). */
export interface RejectedRecordFile {
  readonly key: string;
  readonly body: Uint8Array;
}

export interface StagedCsv {
  /** The staged Parquet file. */
  readonly staged: Uint8Array;
  /** The rejects Parquet file (valid with zero rows). */
  readonly rejects: Uint8Array;
  /** Side files of rejected records over 1 MiB; write them before `rejects`. */
  readonly rejectedRecordFiles: readonly RejectedRecordFile[];
  /** Data records in the file: `stagedRows + rejectedRows`. */
  readonly records: number;
  readonly stagedRows: number;
  readonly rejectedRows: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/** How a record the splitter found ended. */
export type RecordEnd = 'terminated' | 'quoted-field-too-long' | 'quote-not-closed';

type Units = Uint8Array | Uint16Array;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_QUOTE = 3;

/**
 * Calls `onRecord(start, end, how)` for every non-empty record of `units`
 * (bytes, or UTF-16 code units), `end` excluding the line terminator. A
 * quoted field longer than `maxQuotedUnits`, or open at the end, ends its
 * record at the first line break after its opening quote; splitting resumes
 * after that line break.
 */
export function splitCsvRecords(units: Units, maxQuotedUnits: number, onRecord: (start: number, end: number, how: RecordEnd) => void): void {
  const n = units.length;
  let i = 0;
  let start = 0;
  let state = FIELD_START;
  let quoteAt = -1;
  const resync = (how: RecordEnd): void => {
    let end = quoteAt + 1;
    while (end < n && units[end] !== LF && units[end] !== CR) end++;
    onRecord(start, end, how);
    i = end < n && units[end] === CR && units[end + 1] === LF ? end + 2 : end + 1;
    start = i;
    state = FIELD_START;
  };
  for (;;) {
    if (state === QUOTED) {
      const closing = units.indexOf(QUOTE, i);
      const limit = quoteAt + 1 + maxQuotedUnits;
      if (closing === -1 || closing > limit) {
        resync(closing === -1 && n <= limit ? 'quote-not-closed' : 'quoted-field-too-long');
        if (start >= n) return;
        continue;
      }
      i = closing + 1;
      state = AFTER_QUOTE;
      continue;
    }
    if (i >= n) break;
    const unit = units[i]!;
    if (unit === QUOTE) {
      if (state === FIELD_START) {
        state = QUOTED;
        quoteAt = i;
      } else if (state === AFTER_QUOTE) {
        state = QUOTED; // "" inside a quoted field
      }
      // A quote inside an unquoted field is a character; csv-parse rejects the record.
    } else if (unit === COMMA) {
      state = FIELD_START;
    } else if (unit === LF || unit === CR) {
      if (i > start) onRecord(start, i, 'terminated');
      i = unit === CR && units[i + 1] === LF ? i + 2 : i + 1;
      start = i;
      state = FIELD_START;
      continue;
    } else {
      state = UNQUOTED;
    }
    i++;
  }
  if (n > start) onRecord(start, n, 'terminated');
}

const BOMS = [
  { name: 'UTF-8', bytes: [0xef, 0xbb, 0xbf] },
  { name: 'UTF-16LE', bytes: [0xff, 0xfe] },
  { name: 'UTF-16BE', bytes: [0xfe, 0xff] },
] as const;
type BomName = (typeof BOMS)[number]['name'];

const DECLARED_BOM: Record<CsvEncoding, BomName | undefined> = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', latin1: undefined };

/** Options for csv-parse: strict RFC 4180, one record per fed line, field counts checked here. */
const CSV_OPTIONS: CsvParseOptions = {
  bom: false,
  delimiter: ',',
  quote: '"',
  escape: '"',
  record_delimiter: '\n',
  relax_column_count: true,
  relax_quotes: false,
  skip_empty_lines: false,
  trim: false,
  cast: false,
  encoding: 'utf8',
};

const BATCH_BYTES = 1024 * 1024;
const BATCH_RECORDS = 5_000;

const describeColumns = (names: readonly string[]): string => {
  const list = names.join(', ');
  return list.length > 300 ? `${list.slice(0, 300)}, ...` : list;
};

/** Short reason for a record csv-parse refused; csv-parse's own message names lines of the batch, not of the file. */
function csvErrorReason(error: CsvError): string {
  const field = typeof error.index === 'number' ? ` at field ${error.index + 1}` : '';
  switch (error.code) {
    case 'INVALID_OPENING_QUOTE':
      return `a quote inside an unquoted field${field} (quote the field and double the quote)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `characters after the closing quote${field}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return `quoted field${field} not closed`;
    default:
      return `${error.code}${field}: ${error.message}`;
  }
}

/**
 * Stages one received CSV (its whole bytes, as written to raw): the staged
 * and rejects Parquet files and the side files of long rejected records.
 * Row groups are encoded as they fill; csv-parse sees a batch of records at a
 * time.
 */
export function stageCsv(body: Uint8Array, options: StageCsvOptions): StagedCsv {
  return new CsvStager(body, options).run();
}

class CsvStager {
  private readonly encoding: CsvEncoding;
  private readonly staged: StagedParquetWriter;
  private readonly rejects: RejectsParquetWriter;
  private readonly sideFiles: RejectedRecordFile[] = [];
  /** Byte offset of the first unit (after a BOM). */
  private base = 0;
  private unitBytes = 1;
  /** Units of the file after the BOM: bytes, or UTF-16 code units. */
  private units: Units = new Uint8Array(0);
  /** Set when the whole file is rejected (a contradicting BOM, a bad header). */
  private fileReason: string | undefined;
  /** False after a contradicting BOM: rejected records are kept in base64, not decoded in an encoding the file does not have. */
  private decodeRejected = true;
  /** Whole file valid UTF-8: records need no decoding check of their own. */
  private allValidUtf8 = false;
  private readonly decoder: TextDecoder | undefined;
  private sawHeader = false;
  private headerNames: string[] = [];
  /** For each dataset column, its field index in the file's records. */
  private fieldOf: number[] = [];
  private recordNumber = 0;
  // The csv-parse batch: records waiting to be parsed.
  private batchNumbers: number[] = [];
  private batchStarts: number[] = [];
  private batchEnds: number[] = [];
  private batchPieces: Uint8Array[] = [];
  private batchBytes = 0;

  constructor(
    private readonly body: Uint8Array,
    private readonly options: StageCsvOptions,
  ) {
    this.encoding = options.encoding ?? 'utf-8';
    const lineage = { ingestedAt: options.ingestedAt, sourceFile: `raw/${options.receivedKey}` };
    this.staged = new StagedParquetWriter(options.columns, lineage);
    this.rejects = new RejectsParquetWriter(lineage);
    this.decoder = this.encoding === 'latin1' ? undefined : new TextDecoder(this.encoding, { fatal: true, ignoreBOM: true });
  }

  run(): StagedCsv {
    const { body } = this;
    const bom = BOMS.find(({ bytes }) => body.length >= bytes.length && bytes.every((byte, i) => body[i] === byte));
    const declared = DECLARED_BOM[this.encoding];
    if (bom && bom.name !== declared) {
      this.fileReason = `encoding: file starts with a ${bom.name} byte-order mark; the dataset declares ${this.encoding}`;
      this.decodeRejected = false;
    }
    this.base = bom ? bom.bytes.length : 0;
    // Split as the file really is when a BOM says so, so its records are the records a reader would see.
    const splitAs = bom?.name ?? (this.encoding === 'utf-16le' ? 'UTF-16LE' : 'bytes');
    if (splitAs === 'UTF-16LE' || splitAs === 'UTF-16BE') {
      this.unitBytes = 2;
      const count = Math.floor((body.length - this.base) / 2);
      const copy = new Uint16Array(count);
      const view = new DataView(body.buffer, body.byteOffset + this.base, count * 2);
      const littleEndian = splitAs === 'UTF-16LE';
      for (let i = 0; i < count; i++) copy[i] = view.getUint16(i * 2, littleEndian);
      this.units = copy;
    } else {
      this.units = body.subarray(this.base);
      this.allValidUtf8 = this.encoding === 'utf-8' && !this.fileReason && isUtf8(this.units);
    }
    const maxQuotedUnits = Math.floor((this.options.maxQuotedFieldKb * 1024) / this.unitBytes);
    splitCsvRecords(this.units, maxQuotedUnits, (start, end, how) => this.record(start, end, how));
    this.flushBatch();
    const rejects = this.rejects.finish();
    const staged = this.staged.finish();
    return { staged, rejects, rejectedRecordFiles: this.sideFiles, records: this.recordNumber, stagedRows: this.staged.rows, rejectedRows: this.rejects.rows };
  }

  /** A record's bytes exactly as in the file; the last one of an odd-sized UTF-16 file keeps the stray byte. */
  private bytesOf(start: number, end: number): Uint8Array {
    const from = this.base + start * this.unitBytes;
    const to = end === this.units.length ? this.body.length : this.base + end * this.unitBytes;
    return this.body.subarray(from, to);
  }

  /** The record's text in the dataset's encoding, or null when its bytes do not decode. */
  private decode(bytes: Uint8Array): string | null {
    if (!this.decoder) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    try {
      return this.decoder.decode(bytes);
    } catch {
      return null;
    }
  }

  private record(start: number, end: number, how: RecordEnd): void {
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.header(start, end, how);
      return;
    }
    const number = ++this.recordNumber;
    if (this.fileReason) return this.reject(number, start, end, this.fileReason);
    if (how !== 'terminated') {
      const detail =
        how === 'quoted-field-too-long'
          ? `quoted field longer than maxQuotedFieldKb (${this.options.maxQuotedFieldKb} KiB), taken for an unbalanced quote`
          : 'quoted field not closed before the end of the file, taken for an unbalanced quote';
      return this.reject(number, start, end, `record ${number}: ${detail}`);
    }
    const bytes = this.bytesOf(start, end);
    let piece: Uint8Array;
    if (this.allValidUtf8) {
      piece = bytes;
    } else {
      const text = this.decode(bytes);
      if (text === null) return this.reject(number, start, end, `record ${number}: not valid ${this.encoding} (its bytes are in record_base64)`);
      piece = this.encoding === 'utf-8' ? bytes : Buffer.from(text, 'utf8');
    }
    this.batchNumbers.push(number);
    this.batchStarts.push(start);
    this.batchEnds.push(end);
    this.batchPieces.push(piece);
    this.batchBytes += piece.length + 1;
    if (this.batchBytes >= BATCH_BYTES || this.batchNumbers.length >= BATCH_RECORDS) this.flushBatch();
  }

  private header(start: number, end: number, how: RecordEnd): void {
    const columns = this.options.columns;
    if (this.fileReason) return;
    if (how !== 'terminated') {
      this.fileReason = `header: quoted field ${how === 'quote-not-closed' ? 'not closed' : `longer than maxQuotedFieldKb (${this.options.maxQuotedFieldKb} KiB)`}, taken for an unbalanced quote`;
      return;
    }
    const text = this.decode(this.bytesOf(start, end));
    if (text === null) {
      this.fileReason = `header: not valid ${this.encoding}`;
      return;
    }
    let fields: string[];
    try {
      fields = (parse(Buffer.from(text, 'utf8'), CSV_OPTIONS) as string[][])[0] ?? [];
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      this.fileReason = `header: ${csvErrorReason(error)}`;
      return;
    }
    const names = fields.map((field, i) => (i === 0 ? field.replace(/^\uFEFF/, '') : field).trim());
    this.headerNames = names;
    if (names.some((name) => name.includes('\0'))) {
      this.fileReason = 'header: contains a NUL byte';
      return;
    }
    const present = new Set(names);
    const missing = columns.filter((column) => !present.has(column));
    const defined = new Set(columns);
    const unknown = names.filter((name) => !defined.has(name));
    const duplicated = names.filter((name, i) => names.indexOf(name) !== i);
    if (missing.length > 0 || unknown.length > 0 || duplicated.length > 0) {
      const quoted = (list: string[]) => [...new Set(list)].map((name) => (name === '' ? '""' : name)).join(', ');
      const problems = [
        missing.length > 0 ? `missing column(s) ${quoted(missing)}` : undefined,
        unknown.length > 0 ? `unknown column(s) ${quoted(unknown)}` : undefined,
        duplicated.length > 0 ? `duplicate column(s) ${quoted(duplicated)}` : undefined,
      ].filter((problem) => problem !== undefined);
      this.fileReason = `header: ${problems.join('; ')}; the file has: ${describeColumns(names.map((name) => (name === '' ? '""' : name)))}`;
      return;
    }
    this.fieldOf = columns.map((column) => names.indexOf(column));
  }

  /** Parses the waiting records with csv-parse; a record it refuses is rejected and parsing resumes after it. */
  private flushBatch(): void {
    const count = this.batchNumbers.length;
    if (count === 0) return;
    const joined = Buffer.allocUnsafe(this.batchBytes);
    const offsets = new Array<number>(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      offsets[i] = at;
      const piece = this.batchPieces[i]!;
      joined.set(piece, at);
      at += piece.length;
      joined[at++] = LF;
    }
    // csv-parse throws at the first record it refuses, after `error.records` good ones: those are parsed again on
    // their own (no per-record callback on the common path: it costs more than the rare second pass).
    const parseRange = (first: number, end: number): void => {
      const records = parse(joined.subarray(offsets[first], end === count ? joined.length : offsets[end]), CSV_OPTIONS) as string[][];
      if (records.length !== end - first) {
        throw new Error(`stageCsv: csv-parse found ${records.length} records where the splitter found ${end - first} in ${this.options.receivedKey}`);
      }
      for (let i = 0; i < records.length; i++) this.parsed(first + i, records[i]!);
    };
    let from = 0;
    while (from < count) {
      let bad: number;
      try {
        parseRange(from, count);
        break;
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
        bad = from + (typeof error.records === 'number' ? error.records : 0);
        if (bad >= count) throw error;
        const number = this.batchNumbers[bad]!;
        if (bad > from) parseRange(from, bad);
        this.reject(number, this.batchStarts[bad]!, this.batchEnds[bad]!, `record ${number}: ${csvErrorReason(error)}`, false);
      }
      from = bad + 1;
    }
    this.batchNumbers = [];
    this.batchStarts = [];
    this.batchEnds = [];
    this.batchPieces = [];
    this.batchBytes = 0;
  }

  /** A record csv-parse split into fields: staged, or rejected for its field count or a NUL. */
  private parsed(index: number, fields: string[]): void {
    const number = this.batchNumbers[index]!;
    const expected = this.headerNames.length;
    if (fields.length !== expected) {
      const reason = `record ${number}: ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${expected} (${describeColumns(this.headerNames)})`;
      return this.reject(number, this.batchStarts[index]!, this.batchEnds[index]!, reason, false);
    }
    const nul = fields.findIndex((field) => field.includes('\0'));
    if (nul >= 0) return this.reject(number, this.batchStarts[index]!, this.batchEnds[index]!, `record ${number}: contains a NUL byte at field ${nul + 1}`, false);
    const fieldOf = this.fieldOf;
    const row = new Array<string>(fieldOf.length);
    for (let i = 0; i < fieldOf.length; i++) row[i] = fields[fieldOf[i]!]!;
    this.staged.add(row, number);
  }

  /**
   * Rejects one record, keeping it whole: its text, its bytes in base64 when
   * they do not decode, or a side file when it is over 1 MiB. Waiting records
   * are parsed first (unless called from that parse) so rejects keep file order.
   */
  private reject(recordNumber: number, start: number, end: number, reason: string, flushFirst = true): void {
    if (flushFirst) this.flushBatch();
    const bytes = this.bytesOf(start, end);
    let rejected: RejectedRecord;
    if (bytes.length > MAX_INLINE_REJECT_BYTES) {
      const key = rejectedRecordKeyOf(this.options.receivedKey, recordNumber);
      this.sideFiles.push({ key, body: bytes });
      rejected = { recordNumber, record: null, recordBase64: null, recordFile: key, reason };
    } else {
      const text = this.decodeRejected ? this.decode(bytes) : null;
      rejected = { recordNumber, record: text, recordBase64: text === null ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : null, recordFile: null, reason };
    }
    this.rejects.add(rejected);
  }
}
