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
 *   U+FFFD), or whose quoting breaks RFC 4180 (a quote inside an unquoted
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
 * and finds record boundaries: it follows quotes the way RFC 4180 does (a
 * quote opens a quoted field only at a field's start, `""` inside one is an
 * escaped quote), which is what the resync above needs, and it notes the
 * first place a record's quoting breaks those rules. The fields of every
 * well-formed record are then parsed by Papa Parse, fed in batches of whole
 * records: on well-formed input every RFC 4180 parser splits the same
 * fields, and the splitter and the parser always agree on where records
 * start (checked per batch). Papa Parse replaced csv-parse here: on the
 * scale-1 geolocation file (59 MB, 1M records) it parses in 0.7 s where
 * csv-parse took 2.3 s, and parsing was the larger half of ingest's time.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import Papa from 'papaparse';
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

/** The first place a terminated record's quoting breaks RFC 4180, if any. */
export interface QuotingFault {
  readonly kind: 'quote-in-unquoted-field' | 'text-after-closing-quote';
  /** 0-based index of the field it is in. */
  readonly field: number;
}

type Units = Uint8Array | Uint16Array;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_QUOTE = 3;

const NO_FAULT = 0;
const QUOTE_IN_UNQUOTED = 1;
const TEXT_AFTER_QUOTE = 2;

/**
 * Calls `onRecord(start, end, how, fault)` for every non-empty record of
 * `units` (bytes, or UTF-16 code units), `end` excluding the line
 * terminator. A quoted field longer than `maxQuotedUnits`, or open at the
 * end, ends its record at the first line break after its opening quote;
 * splitting resumes after that line break. A quote inside an unquoted field
 * is a character and text after a closing quote continues the field, as far
 * as record boundaries go; `fault` names the first of either.
 */
export function splitCsvRecords(units: Units, maxQuotedUnits: number, onRecord: (start: number, end: number, how: RecordEnd, fault: QuotingFault | undefined) => void): void {
  const n = units.length;
  let i = 0;
  let start = 0;
  let state = FIELD_START;
  let quoteAt = -1;
  let field = 0;
  let fault = NO_FAULT;
  let faultField = 0;
  const faultOf = (): QuotingFault | undefined =>
    fault === NO_FAULT ? undefined : { kind: fault === QUOTE_IN_UNQUOTED ? 'quote-in-unquoted-field' : 'text-after-closing-quote', field: faultField };
  const resync = (how: RecordEnd): void => {
    let end = quoteAt + 1;
    while (end < n && units[end] !== LF && units[end] !== CR) end++;
    onRecord(start, end, how, undefined);
    i = end < n && units[end] === CR && units[end + 1] === LF ? end + 2 : end + 1;
    start = i;
    state = FIELD_START;
    field = 0;
    fault = NO_FAULT;
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
      } else if (fault === NO_FAULT) {
        fault = QUOTE_IN_UNQUOTED;
        faultField = field;
      }
    } else if (unit === COMMA) {
      state = FIELD_START;
      field++;
    } else if (unit === LF || unit === CR) {
      if (i > start) onRecord(start, i, 'terminated', faultOf());
      i = unit === CR && units[i + 1] === LF ? i + 2 : i + 1;
      start = i;
      state = FIELD_START;
      field = 0;
      fault = NO_FAULT;
      continue;
    } else {
      if (state === AFTER_QUOTE && fault === NO_FAULT) {
        fault = TEXT_AFTER_QUOTE;
        faultField = field;
      }
      state = UNQUOTED;
    }
    i++;
  }
  if (n > start) onRecord(start, n, 'terminated', faultOf());
}

const BOMS = [
  { name: 'UTF-8', bytes: [0xef, 0xbb, 0xbf] },
  { name: 'UTF-16LE', bytes: [0xff, 0xfe] },
  { name: 'UTF-16BE', bytes: [0xfe, 0xff] },
] as const;
type BomName = (typeof BOMS)[number]['name'];

const DECLARED_BOM: Record<CsvEncoding, BomName | undefined> = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', latin1: undefined };

/** Papa Parse's settings: RFC 4180 on records joined by LF, nothing typed, skipped or trimmed; field counts are checked here. */
const PARSER_CONFIG: Papa.ParseConfig = {
  delimiter: ',',
  newline: '\n',
  quoteChar: '"',
  escapeChar: '"',
  header: false,
  dynamicTyping: false,
  skipEmptyLines: false,
  comments: false,
};

/**
 * The fields of records joined by LF, each well-formed RFC 4180. Through
 * Papa Parse's Parser itself: `Papa.parse` would drop a U+FEFF that starts
 * the text, which here is data of the batch's first record.
 */
function parseRecords(text: string): string[][] {
  const result = new Papa.Parser(PARSER_CONFIG).parse(text, 0, false) as Papa.ParseResult<string[]>;
  if (result.errors.length > 0) {
    const [first] = result.errors;
    throw new Error(`Papa Parse refused a record the splitter found well-formed: ${first!.code} at row ${first!.row}: ${first!.message}`);
  }
  return result.data;
}

const BATCH_BYTES = 1024 * 1024;
const BATCH_RECORDS = 5_000;

const describeColumns = (names: readonly string[]): string => {
  const list = names.join(', ');
  return list.length > 300 ? `${list.slice(0, 300)}, ...` : list;
};

/** Short reason for a record whose quoting breaks RFC 4180. */
function quotingFaultReason(fault: QuotingFault): string {
  return fault.kind === 'quote-in-unquoted-field'
    ? `a quote inside an unquoted field at field ${fault.field + 1} (quote the field and double the quote)`
    : `characters after the closing quote at field ${fault.field + 1}`;
}

/**
 * Stages one received CSV (its whole bytes, as written to raw): the staged
 * and rejects Parquet files and the side files of long rejected records.
 * Row groups are encoded as they fill; the parser sees a batch of records at
 * a time.
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
  // The parser's batch: records waiting to be parsed.
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
    splitCsvRecords(this.units, maxQuotedUnits, (start, end, how, fault) => this.record(start, end, how, fault));
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

  private record(start: number, end: number, how: RecordEnd, fault: QuotingFault | undefined): void {
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.header(start, end, how, fault);
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
    if (fault) return this.reject(number, start, end, `record ${number}: ${quotingFaultReason(fault)}`);
    this.batchNumbers.push(number);
    this.batchStarts.push(start);
    this.batchEnds.push(end);
    this.batchPieces.push(piece);
    this.batchBytes += piece.length + 1;
    if (this.batchBytes >= BATCH_BYTES || this.batchNumbers.length >= BATCH_RECORDS) this.flushBatch();
  }

  private header(start: number, end: number, how: RecordEnd, fault: QuotingFault | undefined): void {
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
    if (fault) {
      this.fileReason = `header: ${quotingFaultReason(fault)}`;
      return;
    }
    const fields = parseRecords(text)[0] ?? [];
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

  /** Parses the waiting records, all well-formed, in one call. */
  private flushBatch(): void {
    const count = this.batchNumbers.length;
    if (count === 0) return;
    const joined = Buffer.allocUnsafe(this.batchBytes - 1);
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (i > 0) joined[at++] = LF;
      const piece = this.batchPieces[i]!;
      joined.set(piece, at);
      at += piece.length;
    }
    const records = parseRecords(joined.toString('utf8'));
    if (records.length !== count) {
      throw new Error(`stageCsv: the parser found ${records.length} records where the splitter found ${count} in ${this.options.receivedKey}`);
    }
    for (let i = 0; i < count; i++) this.parsed(i, records[i]!);
    this.batchNumbers = [];
    this.batchStarts = [];
    this.batchEnds = [];
    this.batchPieces = [];
    this.batchBytes = 0;
  }

  /** A record the parser split into fields: staged, or rejected for its field count or a NUL. */
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
