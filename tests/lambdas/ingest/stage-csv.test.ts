import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { StagedParquetWriter } from '../../../lambdas/ingest/staged-parquet.ts';
import { MAX_INLINE_REJECT_BYTES, stageCsv, type StageCsvOptions, type StagedCsv } from '../../../lambdas/ingest/stage-csv.ts';

const INGESTED_AT = '2026-12-02T16:16:13.123Z';
const RECEIVED_KEY = 'orders/ingest_date=2026-12-02/0123456789ab-orders.csv';
const COLUMNS = ['order_id', 'customer_id', 'order_status'];
const OPTIONS: StageCsvOptions = { receivedKey: RECEIVED_KEY, columns: COLUMNS, maxQuotedFieldKb: 10_240, ingestedAt: INGESTED_AT };

let folder: string;
let connection: DuckDBConnection;
let fileCount = 0;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'strata-stage-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  connection.closeSync();
  await rm(folder, { recursive: true, force: true });
});

type Row = Record<string, string | null>;

/** Rows of a Parquet file as DuckDB reads it (`read_parquet`), in record order. */
async function read(parquet: Uint8Array): Promise<Row[]> {
  const path = join(folder, `f${fileCount++}.parquet`);
  await writeFile(path, parquet);
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}') ORDER BY _record_number`);
  return reader.getRowObjectsJson() as Row[];
}

/** Column name -> DuckDB type of a Parquet file. */
async function typesOf(parquet: Uint8Array): Promise<Record<string, string>> {
  const path = join(folder, `f${fileCount++}.parquet`);
  await writeFile(path, parquet);
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  return Object.fromEntries((reader.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((row) => [row.column_name, row.column_type]));
}

const stage = (csv: string | Uint8Array, options: Partial<StageCsvOptions> = {}): StagedCsv =>
  stageCsv(typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv, { ...OPTIONS, ...options });

/** The staged rows without lineage, and the rejects as [number, reason]. */
async function outcome(result: StagedCsv): Promise<{ staged: Row[]; rejects: [number, string][] }> {
  const staged = (await read(result.staged)).map((row) => Object.fromEntries(COLUMNS.map((column) => [column, row[column]!])));
  const rejects = (await read(result.rejects)).map((row) => [Number(row._record_number), row.reason!] as [number, string]);
  return { staged, rejects };
}

describe('stageCsv: the files DuckDB reads back', () => {
  it('writes the dataset columns as strings in the definition order, then the lineage; rejects with their own columns', async () => {
    const result = stage('order_status,order_id,customer_id\ndelivered,o1,c1\nshipped,o2,\n');

    expect(await typesOf(result.staged)).toEqual({
      order_id: 'VARCHAR',
      customer_id: 'VARCHAR',
      order_status: 'VARCHAR',
      _ingested_at: 'VARCHAR',
      _source_file: 'VARCHAR',
      _record_number: 'BIGINT',
    });
    // Written even with no rows, with its full schema.
    expect(result.rejectedRows).toBe(0);
    expect(await typesOf(result.rejects)).toEqual({
      record: 'VARCHAR',
      record_base64: 'VARCHAR',
      record_file: 'VARCHAR',
      reason: 'VARCHAR',
      _ingested_at: 'VARCHAR',
      _source_file: 'VARCHAR',
      _record_number: 'BIGINT',
    });
    expect(await read(result.staged)).toEqual([
      { order_id: 'o1', customer_id: 'c1', order_status: 'delivered', _ingested_at: INGESTED_AT, _source_file: `raw/${RECEIVED_KEY}`, _record_number: '1' },
      // An empty field is '', never null.
      { order_id: 'o2', customer_id: '', order_status: 'shipped', _ingested_at: INGESTED_AT, _source_file: `raw/${RECEIVED_KEY}`, _record_number: '2' },
    ]);
    expect(result).toMatchObject({ records: 2, stagedRows: 2 });
  });

  it('numbers staged and rejected records in one sequence: each record number appears exactly once', async () => {
    const result = stage('order_id,customer_id,order_status\no1,c1,a\no2,c2\no3,c3,c\no4,c4,d,extra\no5,c5,e\n');

    const staged = await read(result.staged);
    const rejects = await read(result.rejects);
    expect(staged.map((row) => row._record_number)).toEqual(['1', '3', '5']);
    expect(rejects.map((row) => [row._record_number, row.record, row.record_base64, row.record_file])).toEqual([
      ['2', 'o2,c2', null, null],
      ['4', 'o4,c4,d,extra', null, null],
    ]);
    expect(rejects[0]).toMatchObject({ _ingested_at: INGESTED_AT, _source_file: `raw/${RECEIVED_KEY}` });
  });
});

describe('stageCsv: large files', () => {
  it('stages across parser batches and row groups: every record number exactly once in staged or rejects', async () => {
    const lines = ['order_id,customer_id,order_status'];
    const bad = new Set([1, 4_999, 5_000, 5_001, 10_000, 49_999, 50_000, 50_001, 60_000]);
    for (let i = 1; i <= 60_000; i++) lines.push(bad.has(i) ? (i % 2 === 0 ? `o${i},"c"x,s` : `o${i},c${i}`) : `o${i},"c${i}\nline 2",s`);
    const result = stage(`${lines.join('\r\n')}\r\n`);

    expect(result).toMatchObject({ records: 60_000, stagedRows: 60_000 - bad.size, rejectedRows: bad.size });
    const staged = join(folder, `f${fileCount++}.parquet`);
    const rejects = join(folder, `f${fileCount++}.parquet`);
    await writeFile(staged, result.staged);
    await writeFile(rejects, result.rejects);
    const reader = await connection.runAndReadAll(
      `SELECT count(*) AS n, count(DISTINCT _record_number) AS d, min(_record_number) AS lo, max(_record_number) AS hi FROM (SELECT _record_number FROM read_parquet('${staged}') UNION ALL SELECT _record_number FROM read_parquet('${rejects}'))`,
    );
    expect(reader.getRowObjectsJson()).toEqual([{ n: '60000', d: '60000', lo: '1', hi: '60000' }]);
    const rejected = await connection.runAndReadAll(`SELECT _record_number::INT AS n FROM read_parquet('${rejects}') ORDER BY 1`);
    expect(rejected.getRowObjectsJson().map((row) => row.n)).toEqual([...bad]);
    const groups = await connection.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata('${staged}')`);
    expect(groups.getRowObjectsJson()).toEqual([{ groups: '2' }]);
  });
});

describe('stageCsv: header', () => {
  it('maps columns by name: any order, trimmed, BOM removed, case-sensitive', async () => {
    const result = stage('\uFEFF customer_id ,order_status,order_id\r\nc1,delivered,o1\r\n');
    expect((await outcome(result)).staged).toEqual([{ order_id: 'o1', customer_id: 'c1', order_status: 'delivered' }]);
  });

  it('a header missing a column stages nothing and rejects every record with the reason', async () => {
    const result = stage('order_id,order_status\no1,delivered\no2,shipped\n');

    expect(result).toMatchObject({ records: 2, stagedRows: 0, rejectedRows: 2 });
    expect(await outcome(result)).toEqual({
      staged: [],
      rejects: [
        [1, 'header: missing column(s) customer_id; the file has: order_id, order_status'],
        [2, 'header: missing column(s) customer_id; the file has: order_id, order_status'],
      ],
    });
    expect((await read(result.rejects)).map((row) => row.record)).toEqual(['o1,delivered', 'o2,shipped']);
  });

  it('a header with a column the dataset does not define (or a case mismatch, or a duplicate) is unusable', async () => {
    expect((await outcome(stage('order_id,customer_id,order_status,coupon\no1,c1,d,x\n'))).rejects).toEqual([
      [1, 'header: unknown column(s) coupon; the file has: order_id, customer_id, order_status, coupon'],
    ]);
    expect((await outcome(stage('Order_ID,customer_id,order_status\no1,c1,d\n'))).rejects).toEqual([
      [1, 'header: missing column(s) order_id; unknown column(s) Order_ID; the file has: Order_ID, customer_id, order_status'],
    ]);
    expect((await outcome(stage('order_id,customer_id,order_status,order_id\no1,c1,d,o1\n'))).rejects[0]![1]).toMatch(/^header: duplicate column\(s\) order_id;/);
  });
});

describe('stageCsv: records', () => {
  it('rejects a record with more or fewer fields than the header, naming the counts', async () => {
    expect((await outcome(stage('order_id,customer_id,order_status\no1,c1\no2,c2,d,e\n'))).rejects).toEqual([
      [1, 'record 1: 2 fields, expected 3 (order_id, customer_id, order_status)'],
      [2, 'record 2: 4 fields, expected 3 (order_id, customer_id, order_status)'],
    ]);
  });

  it('keeps line breaks inside quoted fields in the field: a review over three lines is one record', async () => {
    const csv = 'order_id,customer_id,order_status\r\no1,"Chegou antes.\r\nRecomendo!\nMuito ""bom""",d\r\no2,c2,"a\rb"\r\n';
    const result = stage(csv);
    expect(result).toMatchObject({ records: 2, stagedRows: 2, rejectedRows: 0 });
    expect((await outcome(result)).staged).toEqual([
      { order_id: 'o1', customer_id: 'Chegou antes.\r\nRecomendo!\nMuito "bom"', order_status: 'd' },
      { order_id: 'o2', customer_id: 'c2', order_status: 'a\rb' },
    ]);
  });

  it('ends records at CRLF, LF and bare CR alike, and an empty line is not a record', async () => {
    const result = stage('order_id,customer_id,order_status\r\n\r\no1,c1,a\ro2,c2,b\n\n\no3,c3,c\r\n\r\n');
    expect(result).toMatchObject({ records: 3, stagedRows: 3, rejectedRows: 0 });
    expect((await outcome(result)).staged.map((row) => row.order_id)).toEqual(['o1', 'o2', 'o3']);
  });

  it('rejects a record holding a NUL byte, not the file', async () => {
    const result = stage('order_id,customer_id,order_status\no1,c1,a\no2,c\u00002,b\no3,c3,c\n');
    expect(await outcome(result)).toEqual({
      staged: [
        { order_id: 'o1', customer_id: 'c1', order_status: 'a' },
        { order_id: 'o3', customer_id: 'c3', order_status: 'c' },
      ],
      rejects: [[2, 'record 2: contains a NUL byte at field 2']],
    });
    expect((await read(result.rejects))[0]!.record).toBe('o2,c\u00002,b');
  });

  it('rejects a quote inside an unquoted field, or text after a closing quote, with the record alone', async () => {
    const result = stage('order_id,customer_id,order_status\no0,c0,a\no1,17" monitor,a\no2,"c2"x,b\no3,c3,c\n');
    expect(await outcome(result)).toEqual({
      staged: [
        { order_id: 'o0', customer_id: 'c0', order_status: 'a' },
        { order_id: 'o3', customer_id: 'c3', order_status: 'c' },
      ],
      rejects: [
        [2, 'record 2: a quote inside an unquoted field at field 2 (quote the field and double the quote)'],
        [3, 'record 3: characters after the closing quote at field 2'],
      ],
    });
  });

  it('counts fields past quoted commas and escaped quotes when it names the faulty one; a header with one makes the file unusable', async () => {
    const result = stage('order_id,customer_id,order_status\n"o,1","say ""hi""",a"b\n"o2",c2,"b"\n');
    expect(await outcome(result)).toEqual({
      staged: [{ order_id: 'o2', customer_id: 'c2', order_status: 'b' }],
      rejects: [[1, 'record 1: a quote inside an unquoted field at field 3 (quote the field and double the quote)']],
    });
    const badHeader = await outcome(stage('order_id,"customer_id"x,order_status\no1,c1,a\n'));
    expect(badHeader.rejects).toEqual([[1, 'header: characters after the closing quote at field 2']]);
  });

  it('keeps a U+FEFF that starts a data record: only the file may start with a byte-order mark', async () => {
    const result = stage('\uFEFForder_id,customer_id,order_status\n\uFEFFo1,c1,a\n');
    const path = join(folder, `f${fileCount++}.parquet`);
    await writeFile(path, result.staged);
    // As SQL sees it: a JavaScript string read back would drop a leading U+FEFF on its own.
    const reader = await connection.runAndReadAll(`SELECT order_id = chr(65279) || 'o1' AS kept FROM read_parquet('${path}')`);
    expect(reader.getRowObjectsJson()).toEqual([{ kept: true }]);
  });
});

describe('stageCsv: encodings', () => {
  const utf16le = (text: string, bom = true): Uint8Array => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);

  it('rejects a record whose bytes are not valid UTF-8, keeping its bytes in base64, never replacing them with U+FFFD', async () => {
    const bad = Buffer.from([0x6f, 0x32, 0x2c, 0x53, 0xe3, 0x6f, 0x2c, 0x62]); // "o2,S\xe3o,b": Latin-1 ã in a UTF-8 file
    const csv = Buffer.concat([Buffer.from('order_id,customer_id,order_status\no1,São Paulo,a\n'), bad, Buffer.from('\no3,c3,c\n')]);
    const result = stage(csv);

    const rejects = await read(result.rejects);
    expect(rejects.map((row) => [row._record_number, row.record, row.record_base64, row.reason])).toEqual([
      ['2', null, bad.toString('base64'), 'record 2: not valid utf-8 (its bytes are in record_base64)'],
    ]);
    expect((await outcome(result)).staged.map((row) => row.customer_id)).toEqual(['São Paulo', 'c3']);
  });

  it('a UTF-16LE byte-order mark on a dataset declared utf-8 rejects every record: the encoding is not guessed', async () => {
    const result = stage(utf16le('order_id,customer_id,order_status\r\no1,c1,a\r\no2,c2,b\r\n'));
    expect(result).toMatchObject({ records: 2, stagedRows: 0, rejectedRows: 2 });
    const rejects = await read(result.rejects);
    expect(rejects.map((row) => row.reason)).toEqual([
      'encoding: file starts with a UTF-16LE byte-order mark; the dataset declares utf-8',
      'encoding: file starts with a UTF-16LE byte-order mark; the dataset declares utf-8',
    ]);
    expect(rejects.map((row) => [row.record, Buffer.from(row.record_base64!, 'base64').toString('utf16le')])).toEqual([
      [null, 'o1,c1,a'],
      [null, 'o2,c2,b'],
    ]);
  });

  it('decodes a dataset declared utf-16le, with or without its BOM, and rejects an unpaired surrogate', async () => {
    for (const bom of [true, false]) {
      const result = stage(utf16le('order_id,customer_id,order_status\r\no1,São "Paulo",a\r\no2,"Ⅱ ""x""\n∂",b\r\n'.replace('São "Paulo"', '"São ""Paulo"""'), bom), { encoding: 'utf-16le' });
      expect((await outcome(result)).staged).toEqual([
        { order_id: 'o1', customer_id: 'São "Paulo"', order_status: 'a' },
        { order_id: 'o2', customer_id: 'Ⅱ "x"\n∂', order_status: 'b' },
      ]);
    }
    const lone = Buffer.concat([utf16le('order_id,customer_id,order_status\no1,'), Buffer.from([0x00, 0xd8]), Buffer.from(',a\no2,c2,b\n', 'utf16le')]);
    const result = stage(lone, { encoding: 'utf-16le' });
    expect(await outcome(result)).toMatchObject({ staged: [{ order_id: 'o2' }], rejects: [[1, 'record 1: not valid utf-16le (its bytes are in record_base64)']] });
  });

  it('decodes a dataset declared latin1 byte for byte', async () => {
    const csv = Buffer.from('order_id,customer_id,order_status\no1,São Paulo,a\n', 'latin1');
    expect((await outcome(stage(csv, { encoding: 'latin1' }))).staged).toEqual([{ order_id: 'o1', customer_id: 'São Paulo', order_status: 'a' }]);
  });
});

describe('stageCsv: unbalanced quotes and big fields', () => {
  it('takes a quoted field longer than maxQuotedFieldKb for a stray quote, rejects its record and stages the records after it', async () => {
    const lines = ['order_id,customer_id,order_status'];
    for (let i = 1; i <= 30; i++) lines.push(i === 10 ? `o${i},"stray quote,a` : `o${i},${'c'.repeat(100)},s`);
    const result = stage(`${lines.join('\n')}\n`, { maxQuotedFieldKb: 1 });

    const { staged, rejects } = await outcome(result);
    expect(rejects).toEqual([[10, 'record 10: quoted field longer than maxQuotedFieldKb (1 KiB), taken for an unbalanced quote']]);
    expect((await read(result.rejects))[0]!.record).toBe('o10,"stray quote,a');
    // Every record of the file is in exactly one of the two files.
    expect(staged.length + rejects.length).toBe(30);
    expect(result).toMatchObject({ records: 30, stagedRows: 29, rejectedRows: 1 });
    expect(staged.map((row) => row.order_id)).toEqual(lines.slice(1).map((_, i) => `o${i + 1}`).filter((id) => id !== 'o10'));
  });

  it('takes a quote still open at the end of the file for a stray quote too', async () => {
    const result = stage('order_id,customer_id,order_status\no1,"never closed,a\no2,c2,b\n');
    expect(await outcome(result)).toEqual({
      staged: [{ order_id: 'o2', customer_id: 'c2', order_status: 'b' }],
      rejects: [[1, 'record 1: quoted field not closed before the end of the file, taken for an unbalanced quote']],
    });
  });

  it('keeps a 10 MB field of a valid quoted record whole', async () => {
    const big = 'x'.repeat(5_000_000) + '\n"quoted"\n' + 'y'.repeat(5_000_000);
    const result = stage(`order_id,customer_id,order_status\no1,"${big.replaceAll('"', '""')}",a\no2,c2,b\n`);
    expect(result).toMatchObject({ stagedRows: 2, rejectedRows: 0 });
    const path = join(folder, `f${fileCount++}.parquet`);
    await writeFile(path, result.staged);
    const reader = await connection.runAndReadAll(`SELECT length(customer_id) AS n, md5(customer_id) AS md5 FROM read_parquet('${path}') ORDER BY _record_number`);
    expect(reader.getRowObjectsJson()).toEqual([
      { n: String(big.length), md5: createHash('md5').update(big).digest('hex') },
      { n: '2', md5: createHash('md5').update('c2').digest('hex') },
    ]);
  });

  it('puts a rejected record longer than 1 MiB whole in a side file its rejects row names', async () => {
    const long = `o1,${'z'.repeat(MAX_INLINE_REJECT_BYTES + 10)}`;
    const result = stage(`order_id,customer_id,order_status\n${long}\no2,c2,b\n`);

    expect(result.rejectedRecordFiles.map((file) => [file.key, Buffer.from(file.body).toString()])).toEqual([
      ['rejects/orders/ingest_date=2026-12-02/0123456789ab-orders.records/1.txt', long],
    ]);
    expect((await read(result.rejects)).map((row) => [row.record, row.record_base64, row.record_file, row.reason])).toEqual([
      [null, null, 'rejects/orders/ingest_date=2026-12-02/0123456789ab-orders.records/1.txt', `record 1: 2 fields, expected 3 (order_id, customer_id, order_status)`],
    ]);
  });
});

describe('StagedParquetWriter', () => {
  it('writes every value as given: a repeated column with a dictionary, a distinct one plainly, both read back whole', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => [['São Paulo', 'Rio de Janeiro', 'Curitiba'][i % 3]!, `nota ${i}: ótimo 👍`]);
    const writer = new StagedParquetWriter(['city', 'note'], { ingestedAt: INGESTED_AT, sourceFile: `raw/${RECEIVED_KEY}` }, 1_000);
    rows.forEach((row, index) => writer.add(row, index + 1));
    const parquet = writer.finish();

    expect((await read(parquet)).map((row) => [row.city, row.note])).toEqual(rows);
    const metadata = parquetMetadata(parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength) as ArrayBuffer);
    expect(metadata.row_groups).toHaveLength(3);
    const [city, note] = metadata.row_groups[0]!.columns.map((column) => column.meta_data!.encodings);
    expect(city).toContain('RLE_DICTIONARY');
    expect(note).not.toContain('RLE_DICTIONARY');
  });
});
