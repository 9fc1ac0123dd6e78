/**
 * Reads the start of a CSV the way the platform will stage it
 * (lambdas/ingest/stage-csv.ts), for `strata new dataset`: its encoding,
 * delimiter, header and a sample of its records. Bounded: at most
 * `sampleRows` records and `MAX_SAMPLE_BYTES` bytes are read, whatever the
 * file's size, and the file is never held whole.
 *
 * - encoding: a byte-order mark says it (UTF-8, UTF-16LE; UTF-16BE is not an
 *   encoding the platform reads), or NULs beside ASCII bytes (UTF-16 without
 *   a mark); else UTF-8 when the bytes read are valid UTF-8; else latin1
 *   (every byte is a character, so it always decodes);
 * - delimiter: of comma, semicolon, tab and pipe, the one that splits the
 *   first records (quotes respected) into the same number of fields, more
 *   than one; the most fields wins a tie, then that order;
 * - records: RFC 4180 through csv-parse; empty lines are not records; the
 *   first record is the header.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { ConfigError } from '../../config/load-environment.ts';
import { UsageError } from '../usage-error.ts';

export type SniffedEncoding = 'utf-8' | 'utf-16le' | 'latin1';

export const DEFAULT_SAMPLE_ROWS = 10_000;
export const MAX_SAMPLE_ROWS = 1_000_000;
/** Reading stops here even when fewer records than asked were read (one enormous record, a stray quote). */
export const MAX_SAMPLE_BYTES = 32 * 1024 * 1024;
/** Bytes the delimiter is decided from. */
const HEAD_BYTES = 64 * 1024;
/** Records the delimiter is decided from. */
const DELIMITER_RECORDS = 50;

export const DELIMITERS = [
  { char: ',', name: 'comma' },
  { char: ';', name: 'semicolon' },
  { char: '\t', name: 'tab' },
  { char: '|', name: 'pipe' },
] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface DelimiterGuess {
  readonly delimiter: Delimiter;
  /** Records looked at. */
  readonly records: number;
  /** Fields in most of them. */
  readonly fields: number;
  /** Records with that many fields. */
  readonly consistent: number;
  /** Fields per record for every candidate, for the report. */
  readonly others: readonly { readonly name: string; readonly fields: number; readonly consistent: number }[];
}

export interface CsvSample {
  readonly file: string;
  readonly bytes: number;
  readonly encoding: SniffedEncoding;
  /** Why that encoding, in words. */
  readonly encodingReason: string;
  /** The first 0x80-0x9F byte of a latin1 file, if any: there Windows-1252 has letters and latin1 control characters. */
  readonly c1Controls: number;
  readonly delimiter: DelimiterGuess;
  /** The header's fields as the platform reads them: BOM removed, trimmed. */
  readonly header: readonly string[];
  /** Data records, as parsed (not trimmed); the ones whose field count differs from the header's are in `ragged` instead. */
  readonly rows: readonly (readonly string[])[];
  /** Records whose field count differs from the header's: staging rejects them. */
  readonly ragged: readonly { readonly record: number; readonly fields: number }[];
  /** True when the file holds more records than were read. */
  readonly cut: boolean;
  /** Why reading stopped before the end, when it did. */
  readonly cutReason: string | undefined;
  /** Bytes read to get the sample. */
  readonly bytesRead: number;
  /** Set when the CSV could not be parsed past a point: the sample is the records before it. */
  readonly parseError: string | undefined;
}

/** Reads the sample. A missing path or a folder is a usage error; an empty file, one with no header, or UTF-16BE a ConfigError. */
export async function sniffCsv(file: string, sampleRows: number): Promise<CsvSample> {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError(`--from ${file}: no such file`);
  if (stat.isDirectory()) throw new UsageError(`--from ${file}: is a folder; give a CSV file`);
  if (stat.size === 0) throw new ConfigError([`${file}: empty (0 bytes); a CSV to sniff needs at least a header row naming its columns`]);
  const head = readHead(file, Math.min(stat.size, HEAD_BYTES));
  const bom = bomOf(head) ?? utf16WithoutBom(head);
  if (bom === 'utf-16be') throw new ConfigError([`${file}: UTF-16BE (${bomOf(head) ? 'its byte-order mark' : 'a NUL before every ASCII byte'}); the platform reads utf-8, utf-16le and latin1 files: convert it (e.g. iconv -f UTF-16BE -t UTF-8)`]);
  const headText = bom === 'utf-16le' ? head.subarray(bomOf(head) ? 2 : 0).toString('utf16le') : head.subarray(bom === 'utf-8' ? 3 : 0).toString('latin1');
  const delimiter = guessDelimiter(headText, stat.size <= HEAD_BYTES);

  let read: RecordsRead;
  let encoding: SniffedEncoding;
  let encodingReason: string;
  if (bom) {
    encoding = bom;
    read = await readRecords(file, { encoding: bom === 'utf-8' ? 'utf8' : 'utf16le', delimiter: delimiter.delimiter.char, sampleRows, size: stat.size, checkUtf8: false });
    encodingReason = bomOf(head) ? `${bom === 'utf-8' ? 'UTF-8' : 'UTF-16LE'} byte-order mark` : 'no byte-order mark, but every other byte is NUL after an ASCII one: UTF-16LE';
  } else {
    read = await readRecords(file, { encoding: 'utf8', delimiter: delimiter.delimiter.char, sampleRows, size: stat.size, checkUtf8: true });
    if (read.invalidUtf8At === undefined) {
      encoding = 'utf-8';
      const scope = read.cut ? `the first ${count(read.bytesRead)} bytes read are valid UTF-8 (the rest was not read)` : `all ${count(read.bytesRead)} bytes are valid UTF-8`;
      encodingReason = `no byte-order mark; ${scope}${read.nonAscii === 0 ? ', all ASCII' : `, ${count(read.nonAscii)} non-ASCII bytes`}`;
    } else {
      const at = read.invalidUtf8At;
      encoding = 'latin1';
      read = await readRecords(file, { encoding: 'latin1', delimiter: delimiter.delimiter.char, sampleRows, size: stat.size, checkUtf8: false });
      encodingReason = `no byte-order mark and not UTF-8 (byte 0x${at.byte.toString(16).toUpperCase().padStart(2, '0')} at offset ${count(at.offset)} starts no UTF-8 character): latin1, where every byte is a character`;
    }
  }
  const [first, ...records] = read.records;
  if (first === undefined || first.every((field) => field.trim() === '')) {
    throw new ConfigError([`${file}: no header row (${read.parseError ?? 'only empty lines'}); the platform takes a file's first row for the names of its columns`]);
  }
  const header = first.map((field, index) => (index === 0 ? field.replace(/^\uFEFF/, '') : field).trim());
  const rows: string[][] = [];
  const ragged: { record: number; fields: number }[] = [];
  records.forEach((record, index) => (record.length === header.length ? rows.push(record) : ragged.push({ record: index + 1, fields: record.length })));
  return {
    file,
    bytes: stat.size,
    encoding,
    encodingReason,
    c1Controls: encoding === 'latin1' ? read.c1Controls : 0,
    delimiter,
    header,
    rows,
    ragged,
    cut: read.cut,
    cutReason: read.cutReason,
    bytesRead: read.bytesRead,
    parseError: read.parseError,
  };
}

export const count = (value: number) => value.toLocaleString('en-US');
/** `1 row`, `2 rows`. */
export const counted = (value: number, noun: string) => `${count(value)} ${noun}${value === 1 ? '' : 's'}`;

function readHead(file: string, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const got = readSync(fd, buffer, 0, length, 0);
    return buffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function bomOf(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** UTF-16 without a byte-order mark, told by its NULs: ASCII text has one beside every character (after it little-endian, before it big-endian). */
function utf16WithoutBom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 2) return undefined;
  let oddNul = 0;
  let evenNul = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0 && head[i + 1] !== 0) evenNul++;
    if (head[i + 1] === 0 && head[i] !== 0) oddNul++;
  }
  if (oddNul >= pairs * 0.9) return 'utf-16le';
  if (evenNul >= pairs * 0.9) return 'utf-16be';
  return undefined;
}

/**
 * Fields per record of the text's first records, splitting on `delimiter`
 * and following quotes as RFC 4180 does (a quote opens a quoted field only
 * at a field's start). `whole`: the text is the whole file, so its last
 * record is complete; otherwise the last one may be cut and is left out.
 */
export function fieldCounts(text: string, delimiter: string, maxRecords: number, whole: boolean): number[] {
  const counts: number[] = [];
  let fields = 1;
  let quoted = false;
  let atFieldStart = true;
  let content = false;
  for (let i = 0; i < text.length && counts.length < maxRecords; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (char === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      content = true;
    } else if (char === delimiter) {
      fields++;
      atFieldStart = true;
      content = true;
    } else if (char === '\n' || char === '\r') {
      if (content) counts.push(fields);
      if (char === '\r' && text[i + 1] === '\n') i++;
      fields = 1;
      atFieldStart = true;
      content = false;
    } else {
      atFieldStart = false;
      content = true;
    }
  }
  if (whole && content && !quoted && counts.length < maxRecords) counts.push(fields);
  return counts;
}

export function guessDelimiter(text: string, whole: boolean): DelimiterGuess {
  const scored = DELIMITERS.map((delimiter) => {
    const counts = fieldCounts(text, delimiter.char, DELIMITER_RECORDS, whole);
    const frequency = new Map<number, number>();
    for (const fields of counts) frequency.set(fields, (frequency.get(fields) ?? 0) + 1);
    // The most frequent field count; on a tie, the larger.
    let fields = 1;
    let consistent = 0;
    for (const [candidate, times] of frequency) {
      if (times > consistent || (times === consistent && candidate > fields)) {
        fields = candidate;
        consistent = times;
      }
    }
    return { delimiter, records: counts.length, fields, consistent };
  });
  const splitting = scored.filter((candidate) => candidate.fields > 1);
  // Consistency first (share of records with the usual field count), then more fields, then DELIMITERS order.
  const best =
    splitting.sort((a, b) => b.consistent / Math.max(b.records, 1) - a.consistent / Math.max(a.records, 1) || b.fields - a.fields)[0] ?? scored[0]!;
  return { ...best, others: scored.filter((candidate) => candidate !== best).map(({ delimiter, fields, consistent }) => ({ name: delimiter.name, fields, consistent })) };
}

interface RecordsRead {
  /** The header and up to sampleRows data records. */
  readonly records: string[][];
  readonly cut: boolean;
  readonly cutReason: string | undefined;
  readonly bytesRead: number;
  readonly invalidUtf8At: { readonly offset: number; readonly byte: number } | undefined;
  readonly nonAscii: number;
  readonly c1Controls: number;
  readonly parseError: string | undefined;
}

/** The header and up to `sampleRows` records, streamed; stops early at MAX_SAMPLE_BYTES, or (checking UTF-8) at the first byte that is not. */
async function readRecords(
  file: string,
  options: { encoding: 'utf8' | 'utf16le' | 'latin1'; delimiter: string; sampleRows: number; size: number; checkUtf8: boolean },
): Promise<RecordsRead> {
  const source = createReadStream(file, { highWaterMark: 64 * 1024 });
  const parser = parse({
    delimiter: options.delimiter,
    encoding: options.encoding,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const utf8 = new Utf8Checker();
  let bytesRead = 0;
  let nonAscii = 0;
  let c1Controls = 0;
  let invalidUtf8At: { offset: number; byte: number } | undefined;
  let byteLimit = false;
  source.on('data', (chunk) => {
    const bytes = chunk as Buffer;
    if (options.checkUtf8 && invalidUtf8At === undefined) {
      const bad = utf8.check(bytes);
      if (bad !== undefined) {
        invalidUtf8At = { offset: bytesRead + bad, byte: bytes[bad] ?? 0 };
        source.destroy();
        parser.destroy();
      }
    }
    for (const byte of bytes) {
      if (byte >= 0x80) {
        nonAscii++;
        if (byte <= 0x9f) c1Controls++;
      }
    }
    bytesRead += bytes.length;
    if (bytesRead >= MAX_SAMPLE_BYTES && bytesRead < options.size) {
      byteLimit = true;
      source.unpipe(parser);
      source.destroy();
      parser.end();
    }
  });
  source.pipe(parser);
  const records: string[][] = [];
  const wanted = options.sampleRows + 1;
  let more = false;
  let parseError: string | undefined;
  try {
    for await (const record of parser) {
      if (records.length === wanted) {
        more = true;
        break;
      }
      records.push(record as string[]);
    }
  } catch (error) {
    if (invalidUtf8At === undefined) parseError = (error as Error).message.split('\n')[0];
  } finally {
    source.destroy();
    parser.destroy();
  }
  // At the byte limit the parser was ended mid-file: its last record may be a cut one.
  if (byteLimit && !more) records.pop();
  const cut = more || byteLimit || parseError !== undefined;
  const cutReason = more
    ? `the first ${count(options.sampleRows)} data rows (--sample-rows)`
    : byteLimit
      ? `the records in the first ${count(MAX_SAMPLE_BYTES)} bytes`
      : parseError !== undefined
        ? `the records before a parse error: ${parseError}`
        : undefined;
  return { records, cut, cutReason, bytesRead, invalidUtf8At, nonAscii, c1Controls, parseError };
}

/** Checks UTF-8 across chunks: the index in a chunk of the first byte that starts no valid character, or undefined. */
export class Utf8Checker {
  /** Continuation bytes still expected from the previous chunk, and the range the first must be in. */
  private pending = 0;
  private low = 0x80;
  private high = 0xbf;
  /** Where in the chunk the pending character started (negative: in an earlier chunk, reported at 0). */
  private start = 0;

  check(bytes: Uint8Array): number | undefined {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.pending > 0) {
        if (byte < this.low || byte > this.high) return Math.max(this.start, 0);
        this.low = 0x80;
        this.high = 0xbf;
        this.pending--;
        continue;
      }
      if (byte < 0x80) continue;
      this.start = i;
      if (byte >= 0xc2 && byte <= 0xdf) this.expect(1, 0x80, 0xbf);
      else if (byte === 0xe0) this.expect(2, 0xa0, 0xbf);
      else if ((byte >= 0xe1 && byte <= 0xec) || byte === 0xee || byte === 0xef) this.expect(2, 0x80, 0xbf);
      else if (byte === 0xed) this.expect(2, 0x80, 0x9f);
      else if (byte === 0xf0) this.expect(3, 0x90, 0xbf);
      else if (byte >= 0xf1 && byte <= 0xf3) this.expect(3, 0x80, 0xbf);
      else if (byte === 0xf4) this.expect(3, 0x80, 0x8f);
      else return i;
    }
    this.start -= bytes.length;
    return undefined;
  }

  private expect(bytes: number, low: number, high: number): void {
    this.pending = bytes;
    this.low = low;
    this.high = high;
  }
}
