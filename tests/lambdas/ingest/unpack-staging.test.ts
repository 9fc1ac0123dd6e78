import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Layer } from '../../../config/schema.ts';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import { MAX_INLINE_REJECT_BYTES } from '../../../lambdas/ingest/stage-csv.ts';
import { landingSchedule, unpackFileDrop, type UnpackFileDropDeps } from '../../../lambdas/ingest/unpack-file-drop.ts';
import { receiptKeyOf, rejectedRecordKeyOf, stagedKeyOf, stagedRejectsKeyOf } from '../../../pipelines/contract/lake-layout.ts';
import type { DatasetDefinition } from '../../../pipelines/datasets/dataset.ts';
import { SAMPLE_TRUSTED_DATASETS as OLIST_DATASETS } from '../../support/catalog.ts';

const NOW = new Date('2026-12-02T16:16:13.123Z');
const DATE = '2026-12-02';
const LIMITS = { maxFileMb: 20, maxUnpackedMb: 40, maxCompressionRatio: 1000, maxEntries: 20, maxQuotedFieldKb: 10_240 };
const SAMPLE = join(import.meta.dirname, '..', '..', 'fixtures', 'olist-sample');

/** Records every write, in order, to the real folder store. */
class RecordingStore extends FolderObjectStore {
  readonly writes: string[] = [];
  override async write(layer: Layer, key: string, body: Uint8Array | string): Promise<void> {
    this.writes.push(`${layer}/${key}`);
    await super.write(layer, key, body);
  }
  override async create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean> {
    this.writes.push(`${layer}/${key}`);
    return super.create(layer, key, body);
  }
}

const ORDERS: DatasetDefinition = {
  name: 'orders',
  layer: 'trusted',
  description: 'Orders.',
  sourceFile: 'orders.csv',
  columns: [
    { name: 'order_id', type: 'string', description: 'Order.' },
    { name: 'customer_id', type: 'string', description: 'Customer.' },
  ],
  primaryKey: ['order_id'],
};

let lake: string;
let store: RecordingStore;
let deps: UnpackFileDropDeps;
let connection: DuckDBConnection;

beforeAll(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => connection.closeSync());
beforeEach(async () => {
  lake = await mkdtemp(join(tmpdir(), 'strata-staging-'));
  store = new RecordingStore(lake);
  deps = { store, clock: { now: () => NOW }, limits: LIMITS, datasets: [ORDERS] };
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

async function drop(name: string, body: Uint8Array | string): Promise<string> {
  const key = `landing/${name}`;
  await store.write('raw', key, body);
  store.writes.length = 0;
  return key;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

const rawPath = (key: string): string => store.pathOf('raw', key);

async function lakeFiles(): Promise<string[]> {
  const entries = await readdir(lake, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(lake, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

describe('unpackFileDrop stages every received CSV', () => {
  it('stages the whole Olist sample: DuckDB reads as many staged records as the CSVs hold, none rejected', async () => {
    deps = { ...deps, datasets: OLIST_DATASETS };
    const sources = OLIST_DATASETS.filter((dataset) => dataset.sourceFile).map((dataset) => dataset.sourceFile!);
    for (const source of sources) {
      const landingKey = await drop(`${source}.gz`, await readFile(join(SAMPLE, `${source}.gz`)));
      const result = await unpackFileDrop(deps, { landingKey });
      const [file] = result.files;
      expect(result.status, source).toBe('ingested');
      expect(file, source).toMatchObject({ rejectedRows: 0, stagedKey: stagedKeyOf(file!.key), rejectsKey: stagedRejectsKeyOf(file!.key) });
      const csv = join(lake, 'csv-copy.csv');
      await writeFile(csv, gunzipSync(await readFile(join(SAMPLE, `${source}.gz`))));
      const [{ n: csvRows }] = (await query(`SELECT count(*) AS n FROM read_csv('${csv}', all_varchar = true)`)) as [{ n: string }];
      const [{ n: staged, numbers }] = (await query(`SELECT count(*) AS n, count(DISTINCT _record_number) AS numbers FROM read_parquet('${rawPath(file!.stagedKey)}')`)) as [{ n: string; numbers: string }];
      expect([staged, numbers, file!.stagedRows, file!.rows], source).toEqual([csvRows, csvRows, Number(csvRows), Number(csvRows)]);
      const dataset = OLIST_DATASETS.find((candidate) => candidate.sourceFile === source)!;
      // hive_partitioning off: DuckDB would add the ingest_date folder as a column.
      const columns = (await query(`DESCRIBE SELECT * FROM read_parquet('${rawPath(file!.stagedKey)}', hive_partitioning = false)`)).map((row) => `${row.column_name} ${row.column_type}`);
      expect(columns).toEqual([...dataset.columns.map((column) => `${column.name} VARCHAR`), '_ingested_at VARCHAR', '_source_file VARCHAR', '_record_number BIGINT']);
    }
  });

  it('writes the receipt, the received CSV, then the side files and rejects, and the staged file last', async () => {
    const long = `o2,${'x'.repeat(MAX_INLINE_REJECT_BYTES)},extra`;
    const landingKey = await drop('orders.csv', `order_id,customer_id\no1,c1\n${long}\no3,c3\n`);

    const result = await unpackFileDrop(deps, { landingKey });

    const { key, stagedKey, rejectsKey } = result.files[0]!;
    expect(result.files[0]).toMatchObject({ rows: 3, stagedRows: 2, rejectedRows: 1, written: true });
    const receipt = receiptKeyOf('orders', key.slice(key.lastIndexOf('/') + 1, key.lastIndexOf('/') + 13));
    expect(store.writes).toEqual([`raw/${receipt}`, `raw/${key}`, `raw/${rejectedRecordKeyOf(key, 2)}`, `raw/${rejectsKey}`, `raw/${stagedKey}`]);
    expect(JSON.parse(await readFile(rawPath(receipt), 'utf8'))).toEqual({ key, sha256: expect.stringMatching(new RegExp(`^${key.slice(key.lastIndexOf('/') + 1, key.lastIndexOf('/') + 13)}[0-9a-f]{52}$`)) });
    expect(await readFile(rawPath(rejectedRecordKeyOf(key, 2)), 'utf8')).toBe(long);
    expect(await query(`SELECT _record_number::INT AS n, record, record_file, reason, _ingested_at, _source_file FROM read_parquet('${rawPath(rejectsKey)}')`)).toEqual([
      { n: 2, record: null, record_file: rejectedRecordKeyOf(key, 2), reason: 'record 2: 3 fields, expected 2 (order_id, customer_id)', _ingested_at: NOW.toISOString(), _source_file: `raw/${key}` },
    ]);
  });

  it('gives records the ingest time the listing scheduled, whichever drop is unpacked first, so the later drop still wins the merge', async () => {
    const a = await drop('a/orders.csv', 'order_id,customer_id\no1,first\n');
    const b = await drop('b/orders.csv', 'order_id,customer_id\no1,second\n');
    const schedule = landingSchedule([{ key: a, sizeBytes: 30 }, { key: b, sizeBytes: 30 }], new Date('2026-12-02T23:59:59.999Z')).drops;
    expect(schedule).toEqual([
      { landingKey: a, ingestedAt: '2026-12-02T23:59:59.999Z' },
      { landingKey: b, ingestedAt: '2026-12-03T00:00:00.000Z' },
    ]);

    // The clock says otherwise: the schedule is what counts.
    const [later, earlier] = [await unpackFileDrop(deps, schedule[1]!), await unpackFileDrop(deps, schedule[0]!)];

    const stamp = async (result: typeof later) =>
      (await query(`SELECT customer_id, _ingested_at FROM read_parquet('${rawPath(result.files[0]!.stagedKey)}')`))[0];
    expect(await stamp(earlier)).toEqual({ customer_id: 'first', _ingested_at: '2026-12-02T23:59:59.999Z' });
    expect(await stamp(later)).toEqual({ customer_id: 'second', _ingested_at: '2026-12-03T00:00:00.000Z' });
    // The raw folder is the ingest time's day, not the clock's.
    expect(later.files[0]!.key).toMatch(/^orders\/ingest_date=2026-12-03\//);
    expect(earlier.files[0]!.key).toMatch(/^orders\/ingest_date=2026-12-02\//);
  });

  it('schedules drops up to a size, in landing order, and leaves the rest for the next run', () => {
    const keys = Array.from({ length: 100 }, (_, index) => `landing/drop-${String(index).padStart(3, '0')}.csv`);
    const listed = keys.map((key) => ({ key, sizeBytes: 100 }));
    const one = JSON.stringify({ landingKey: keys[0], ingestedAt: NOW.toISOString() }).length + 1;

    const { drops, deferred } = landingSchedule(listed, NOW, 2 + 10 * one);

    expect(drops.map((drop) => drop.landingKey)).toEqual(keys.slice(0, 10));
    expect(deferred).toBe(90);
    expect(JSON.stringify(drops).length).toBeLessThanOrEqual(2 + 10 * one);
    // However small the size, a run takes at least one drop: it always moves on.
    expect(landingSchedule(listed, NOW, 1)).toMatchObject({ drops: [{ landingKey: keys[0] }], deferred: 99 });
    expect(landingSchedule(listed, NOW).deferred).toBe(0);
  });

  it('lists the scheduled drops largest first, for the Map to start the longest unpack at once, their ingest times still in landing order', () => {
    const listed = [
      { key: 'landing/a.csv', sizeBytes: 10 },
      { key: 'landing/b.csv', sizeBytes: 5_000 },
      { key: 'landing/c.csv', sizeBytes: 10 },
      { key: 'landing/d.csv', sizeBytes: 900 },
    ];
    const at = (offset: number) => new Date(NOW.getTime() + offset).toISOString();
    expect(landingSchedule(listed, NOW).drops).toEqual([
      { landingKey: 'landing/b.csv', ingestedAt: at(1) },
      { landingKey: 'landing/d.csv', ingestedAt: at(3) },
      { landingKey: 'landing/a.csv', ingestedAt: at(0) },
      { landingKey: 'landing/c.csv', ingestedAt: at(2) },
    ]);
    // The size cap still takes the first drops by name, not the largest.
    expect(landingSchedule(listed, NOW, 2 + 2 * (JSON.stringify({ landingKey: 'landing/a.csv', ingestedAt: at(0) }).length + 1)).drops.map((drop) => drop.landingKey)).toEqual([
      'landing/b.csv',
      'landing/a.csv',
    ]);
  });

  it('refuses an ingest time that is not ISO 8601 UTC with milliseconds, naming it', async () => {
    const landingKey = await drop('orders.csv', 'order_id,customer_id\no1,c1\n');
    await expect(unpackFileDrop(deps, { landingKey, ingestedAt: '2026-12-03 10:00' })).rejects.toThrow('ingestedAt "2026-12-03 10:00" must be an ISO 8601 UTC time with milliseconds');
    await expect(unpackFileDrop(deps, { landingKey, ingestedAt: '2026-13-45T10:00:00.000Z' })).rejects.toThrow('must be an ISO 8601 UTC time');
  });

  it('stages a CSV an interrupted run received but did not stage, under its existing key, without writing it again', async () => {
    const csv = 'order_id,customer_id\no1,c1\n';
    const first = await unpackFileDrop(deps, { landingKey: await drop('orders.csv', csv) });
    const { key, stagedKey, rejectsKey } = first.files[0]!;
    // As if the process died after writing the received CSV.
    await store.delete('raw', stagedKey);
    await store.delete('raw', rejectsKey);

    const later = { ...deps, clock: { now: () => new Date('2026-12-03T00:00:00.000Z') } };
    const again = await unpackFileDrop(later, { landingKey: await drop('orders.csv', csv) });

    expect(again).toMatchObject({ status: 'ingested', files: [{ key, stagedKey, rejectsKey, written: true, stagedRows: 1, rejectedRows: 0 }] });
    expect(store.writes).toEqual([`raw/${rejectsKey}`, `raw/${stagedKey}`]);
    expect(await query(`SELECT _ingested_at FROM read_parquet('${rawPath(stagedKey)}')`)).toEqual([{ _ingested_at: '2026-12-03T00:00:00.000Z' }]);

    // Once staged, the same content again writes nothing.
    const third = await unpackFileDrop(later, { landingKey: await drop('orders.csv', csv) });
    expect(third).toMatchObject({ status: 'already-ingested', files: [{ key, written: false, stagedRows: 1, rejectedRows: 0, rows: 1 }] });
    expect(store.writes).toEqual([]);
  });

  it('a file with a bad header does not block its table: it stages empty, its records are in rejects, the next file stages', async () => {
    const bad = await unpackFileDrop(deps, { landingKey: await drop('orders.csv', 'order_id,client\no1,c1\no2,c2\n') });
    const good = await unpackFileDrop(deps, { landingKey: await drop('orders.csv', 'customer_id,order_id\nc3,o3\n') });

    expect(bad.files[0]).toMatchObject({ rows: 2, stagedRows: 0, rejectedRows: 2 });
    expect(good.files[0]).toMatchObject({ rows: 1, stagedRows: 1, rejectedRows: 0 });
    expect(await query(`SELECT order_id, customer_id FROM read_parquet('${lake}/raw/staged/orders/*/*.parquet')`)).toEqual([{ order_id: 'o3', customer_id: 'c3' }]);
    expect(await query(`SELECT record, reason FROM read_parquet('${rawPath(bad.files[0]!.rejectsKey)}') ORDER BY _record_number`)).toEqual([
      { record: 'o1,c1', reason: 'header: missing column(s) customer_id; unknown column(s) client; the file has: order_id, client' },
      { record: 'o2,c2', reason: 'header: missing column(s) customer_id; unknown column(s) client; the file has: order_id, client' },
    ]);
    // Per file: the CSV, its receipt, its rejects and its staged file.
    expect((await lakeFiles()).filter((path) => path.startsWith('raw/'))).toHaveLength(8);
  });
});
