import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gzipSync, strToU8, zipSync, type Zippable } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRUSTED_DATASETS } from '../../support/catalog.ts';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import { listLandingDrops, unpackFileDrop, type UnpackFileDropDeps } from '../../../lambdas/ingest/unpack-file-drop.ts';
import { receiptKeyOf } from '../../../pipelines/contract/lake-layout.ts';

const NOW = new Date('2026-03-04T05:06:07.000Z');
const DATE = '2026-03-04';
const LIMITS = { maxFileMb: 1, maxUnpackedMb: 2, maxCompressionRatio: 100, maxEntries: 5 };

const ORDERS_CSV = [
  'order_id,customer_id,order_status,order_purchase_timestamp',
  'o1,c1,delivered,2017-10-02 10:56:33',
  'o2,c2,shipped,2018-07-24 20:41:37',
  '',
].join('\n');
const SELLERS_CSV = 'seller_id,seller_zip_code_prefix,seller_city,seller_state\ns1,13023,campinas,SP\n';
const REVIEWS_WITH_NEWLINES =
  'review_id,order_id,review_score,review_comment_message\r\n' +
  'r1,o1,5,"Chegou antes do prazo.\r\nRecomendo!"\r\n' +
  'r2,o2,1,"Produto ""quebrado""\nsem resposta\n\nda loja"\r\n' +
  'r3,o3,4,ok\r\n';

let lake: string;
let store: FolderObjectStore;
let deps: UnpackFileDropDeps;

beforeEach(async () => {
  lake = await mkdtemp(join(tmpdir(), 'strata-unpack-'));
  store = new FolderObjectStore(lake);
  deps = { store, clock: { now: () => NOW }, limits: LIMITS, datasets: TRUSTED_DATASETS };
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

/** Every file under the lake folder, `/`-separated, relative to it. */
async function lakeFiles(): Promise<string[]> {
  const entries = await readdir(lake, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(lake, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** The receipt of a received file, from its raw key (`<table>/ingest_date=<d>/<sha12>-<file>`). */
const receiptOf = (file: { table: string; key: string }) => `raw/${receiptKeyOf(file.table, file.key.slice(file.key.lastIndexOf('/') + 1, file.key.lastIndexOf('/') + 13))}`;

async function drop(name: string, body: Uint8Array | string): Promise<string> {
  const key = `landing/${name}`;
  await store.write('raw', key, body);
  return key;
}

const text = (value: string): Uint8Array => strToU8(value);

/** Sets the Unix mode of a zip entry in its central directory record (fflate writes DOS attributes). */
function withUnixMode(zip: Uint8Array, entryName: string, mode: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const name = strToU8(entryName);
  for (let at = 0; at < out.length - 4; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const length = view.getUint16(at + 28, true);
    if (length === name.length && out.subarray(at + 46, at + 46 + length).every((byte, i) => byte === name[i])) {
      view.setUint16(at + 4, (3 << 8) | 20, true);
      view.setUint32(at + 38, (mode << 16) >>> 0, true);
    }
  }
  return out;
}

/** Sets general-purpose flag bits of every header (local and central) of a zip. */
function withFlags(zip: Uint8Array, flags: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at < out.length - 4; at++) {
    const signature = view.getUint32(at, true);
    if (signature === 0x04034b50) view.setUint16(at + 6, view.getUint16(at + 6, true) | flags, true);
    if (signature === 0x02014b50) view.setUint16(at + 8, view.getUint16(at + 8, true) | flags, true);
  }
  return out;
}

async function listRejectedReason(name: string): Promise<{ reason: string }> {
  return JSON.parse(await readFile(join(lake, 'dataquality', 'rejected', `ingest_date=${DATE}`, `${name}.reason.json`), 'utf8'));
}

/** Expects a refusal: nothing in raw but landing gone, the drop and its reason in dataquality/rejected/. */
async function expectRefused(landingKey: string, rule: string, reasonPattern: RegExp): Promise<void> {
  const original = await store.read('raw', landingKey);
  const result = await unpackFileDrop(deps, { landingKey });
  const name = landingKey.slice('landing/'.length);
  expect(result).toMatchObject({ landingKey, status: 'refused', rule, files: [], rejectedKey: `rejected/ingest_date=${DATE}/${name}` });
  expect(result.reason).toMatch(reasonPattern);
  expect(await lakeFiles()).toEqual([`dataquality/rejected/ingest_date=${DATE}/${name}`, `dataquality/rejected/ingest_date=${DATE}/${name}.reason.json`]);
  // Buffer.equals, not toEqual: a deep comparison of megabytes byte by byte takes seconds.
  expect((await readFile(join(lake, 'dataquality', 'rejected', `ingest_date=${DATE}`, name))).equals(original)).toBe(true);
  const reason = JSON.parse(await readFile(join(lake, 'dataquality', 'rejected', `ingest_date=${DATE}`, `${name}.reason.json`), 'utf8'));
  expect(reason).toEqual({ landingKey, reason: result.reason, rule, refusedAt: NOW.toISOString() });
}

describe('unpackFileDrop: good drops land in raw/<table>/ingest_date=.../<sha12>-<file>', () => {
  it('unpacks a zip of two CSVs into their tables, counts rows, deletes the landing object', async () => {
    const landingKey = await drop('batch-1.zip', zipSync({ 'olist_orders_dataset.csv': text(ORDERS_CSV), 'export/sellers.csv': text(SELLERS_CSV) }));

    const result = await unpackFileDrop(deps, { landingKey });

    expect(result.status).toBe('ingested');
    expect(result.files.map(({ table, rows, bytes, written }) => ({ table, rows, bytes, written }))).toEqual([
      { table: 'orders', rows: 2, bytes: ORDERS_CSV.length, written: true },
      { table: 'sellers', rows: 1, bytes: SELLERS_CSV.length, written: true },
    ]);
    for (const file of result.files) expect(file.key).toMatch(new RegExp(`^${file.table}/ingest_date=${DATE}/[0-9a-f]{12}-(olist_orders_dataset|sellers)\\.csv$`));
    expect(new TextDecoder().decode(await store.read('raw', result.files[0]!.key))).toBe(ORDERS_CSV);
    // Each received CSV, its receipt, its rejects file and its staged copy: nothing else.
    expect(await lakeFiles()).toEqual(result.files.flatMap((file) => [`raw/${file.key}`, receiptOf(file), `raw/${file.rejectsKey}`, `raw/${file.stagedKey}`]).sort());
  });

  it('unpacks a .csv.gz into the table its inner name matches', async () => {
    const landingKey = await drop('olist_sellers_dataset.csv.gz', gzipSync(text(SELLERS_CSV)));

    const result = await unpackFileDrop(deps, { landingKey });

    expect(result).toMatchObject({ status: 'ingested', files: [{ table: 'sellers', rows: 1, bytes: SELLERS_CSV.length }] });
    expect(result.files[0]!.key).toMatch(/-olist_sellers_dataset\.csv$/);
    expect(new TextDecoder().decode(await store.read('raw', result.files[0]!.key))).toBe(SELLERS_CSV);
  });

  it('counts records, not lines, in a plain CSV whose quoted fields hold newlines', async () => {
    const landingKey = await drop('olist_order_reviews_dataset.csv', REVIEWS_WITH_NEWLINES);

    const result = await unpackFileDrop(deps, { landingKey });

    expect(result).toMatchObject({ status: 'ingested', files: [{ table: 'order_reviews', rows: 3 }] });
    // The raw copy is the bytes as received, CRLFs and all.
    expect(new TextDecoder().decode(await store.read('raw', result.files[0]!.key))).toBe(REVIEWS_WITH_NEWLINES);
  });

  it('is idempotent: the same content dropped again is reported already-ingested and not written twice', async () => {
    const first = await unpackFileDrop(deps, { landingKey: await drop('olist_orders_dataset.csv', ORDERS_CSV) });
    const again = await unpackFileDrop(
      { ...deps, clock: { now: () => new Date('2026-03-05T00:00:00Z') } },
      { landingKey: await drop('again.zip', zipSync({ 'orders.csv': text(ORDERS_CSV) })) },
    );

    expect(again).toMatchObject({ status: 'already-ingested', files: [{ table: 'orders', rows: 2, written: false, key: first.files[0]!.key }] });
    const { key, rejectsKey, stagedKey } = first.files[0]!;
    expect((await lakeFiles()).filter((path) => path.startsWith('raw/'))).toEqual([`raw/${key}`, receiptOf(first.files[0]!), `raw/${rejectsKey}`, `raw/${stagedKey}`].sort());
    expect(again.files[0]).toMatchObject({ stagedKey, rejectsKey, stagedRows: first.files[0]!.stagedRows, rejectedRows: first.files[0]!.rejectedRows });
  });

  it('knows a file dropped again by its receipt alone: exact keys looked up, no listing but of the drop itself', async () => {
    for (let day = 1; day <= 5; day++) {
      const csv = `${ORDERS_CSV}o${day}0,c1,delivered,2017-10-0${day} 10:00:00\n`;
      await unpackFileDrop({ ...deps, clock: { now: () => new Date(`2026-03-0${day}T00:00:00Z`) } }, { landingKey: await drop("orders.csv", csv) });
    }
    const listed: string[] = [];
    const looked: string[] = [];
    const recording = Object.assign(Object.create(store) as FolderObjectStore, {
      list: (layer: 'raw', prefix: string) => (listed.push(`${layer}/${prefix}`), store.list(layer, prefix)),
      exists: (layer: 'raw', key: string) => (looked.push(`${layer}/${key}`), store.exists(layer, key)),
    });
    const again = await unpackFileDrop({ ...deps, store: recording }, { landingKey: await drop('olist_orders_dataset.csv', `${ORDERS_CSV}o30,c1,delivered,2017-10-03 10:00:00\n`) });

    expect(again).toMatchObject({ status: 'already-ingested', files: [{ table: 'orders', key: expect.stringMatching(/^orders\/ingest_date=2026-03-03\//), written: false }] });
    expect(listed).toEqual(['raw/landing/olist_orders_dataset.csv']);
    expect(looked).toEqual([expect.stringMatching(/^raw\/received\/orders\/[0-9a-f]{12}\.json$/), expect.stringMatching(/^raw\/staged\/orders\/ingest_date=2026-03-03\/[0-9a-f]{12}-orders\.parquet$/)]);
  });

  it('of two drops of the same file unpacked at the same moment, one ingests it and the other says already-ingested', async () => {
    const [a, b] = [await drop('one/olist_orders_dataset.csv', ORDERS_CSV), await drop('two/olist_orders_dataset.csv', ORDERS_CSV)];
    const results = await Promise.all([unpackFileDrop(deps, { landingKey: a }), unpackFileDrop(deps, { landingKey: b })]);

    expect(results.map((result) => result.status).sort()).toEqual(['already-ingested', 'ingested']);
    expect(new Set(results.map((result) => result.files[0]!.key)).size).toBe(1);
    expect(results.map((result) => result.files[0]!.rows)).toEqual([2, 2]);
    const { key, stagedKey, rejectsKey } = results[0]!.files[0]!;
    expect((await lakeFiles()).filter((path) => path.startsWith('raw/'))).toEqual([`raw/${key}`, receiptOf(results[0]!.files[0]!), `raw/${rejectsKey}`, `raw/${stagedKey}`].sort());
  });

  it('finishes a file whose run stopped after writing its receipt: staged under the key the receipt names', async () => {
    const first = await unpackFileDrop(deps, { landingKey: await drop('olist_orders_dataset.csv', ORDERS_CSV) });
    const { key, stagedKey, rejectsKey } = first.files[0]!;
    // As if the run had died after the receipt: no raw copy, no staged file.
    for (const gone of [key, stagedKey, rejectsKey]) await store.delete('raw', gone);

    const again = await unpackFileDrop({ ...deps, clock: { now: () => new Date('2026-03-06T00:00:00Z') } }, { landingKey: await drop('olist_orders_dataset.csv', ORDERS_CSV) });

    expect(again).toMatchObject({ status: 'ingested', files: [{ key, stagedKey, written: true, rows: 2 }] });
    expect(new TextDecoder().decode(await store.read('raw', key))).toBe(ORDERS_CSV);
  });

  it('fails loudly, leaving the drop in landing, on a receipt of another content whose hash starts the same', async () => {
    const first = await unpackFileDrop(deps, { landingKey: await drop('olist_orders_dataset.csv', ORDERS_CSV) });
    const receipt = receiptOf(first.files[0]!).slice('raw/'.length);
    await store.write('raw', receipt, JSON.stringify({ key: 'orders/ingest_date=2026-01-01/other.csv', sha256: 'f'.repeat(64) }));

    const landingKey = await drop('olist_orders_dataset.csv', ORDERS_CSV);
    await expect(unpackFileDrop(deps, { landingKey })).rejects.toThrow(/receipt raw\/received\/orders\/[0-9a-f]{12}\.json is of another content/);
    expect(await store.exists('raw', landingKey)).toBe(true);
  });

  it('reports a landing object that an earlier run already took as already-ingested', async () => {
    expect(await unpackFileDrop(deps, { landingKey: 'landing/gone.csv' })).toMatchObject({ status: 'already-ingested', files: [] });
  });

  it('skips the __MACOSX/ and .DS_Store entries Finder adds to zips', async () => {
    const landingKey = await drop('mac.zip', zipSync({ 'orders.csv': text(ORDERS_CSV), '__MACOSX/._orders.csv': text('junk'), '.DS_Store': text('junk') }));
    expect(await unpackFileDrop(deps, { landingKey })).toMatchObject({ status: 'ingested', files: [{ table: 'orders' }] });
  });
});

describe('unpackFileDrop: refused drops go to dataquality/rejected/ with a reason, nothing to raw', () => {
  it('refuses zip slip: an entry named ../x.csv', async () => {
    await expectRefused(await drop('slip.zip', zipSync({ '../orders.csv': text(ORDERS_CSV) })), 'unsafe-path', /"\.\.\/orders\.csv" has a "\.\." segment/);
  });

  it('refuses zip slip: an absolute entry name /etc/x.csv', async () => {
    await expectRefused(await drop('abs.zip', zipSync({ '/etc/orders.csv': text(ORDERS_CSV) })), 'unsafe-path', /an absolute path/);
  });

  it('refuses zip slip: backslashes and drive letters', async () => {
    await expectRefused(await drop('win.zip', zipSync({ '..\\orders.csv': text(ORDERS_CSV) })), 'unsafe-path', /a backslash/);
    await rm(lake, { recursive: true, force: true });
    await expectRefused(await drop('drive.zip', zipSync({ 'C:/orders.csv': text(ORDERS_CSV) })), 'unsafe-path', /a drive letter/);
  });

  it('refuses a compression bomb while inflating, whatever sizes the header declares', async () => {
    // 40 MB of one byte deflates ~1000:1 (about 40 KB), far over the ratio of 100.
    deps = { ...deps, limits: { ...LIMITS, maxFileMb: 100, maxUnpackedMb: 100 } };
    const bomb = zipSync({ 'orders.csv': new Uint8Array(40_000_000).fill(0x61) }, { level: 9 });
    // The header lies: it declares 100 unpacked bytes.
    const view = new DataView(bomb.buffer);
    for (let at = 0; at < bomb.length - 4; at++) if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 100, true);
    await expectRefused(await drop('bomb.zip', bomb), 'max-compression-ratio', /more than maxCompressionRatio \(100\).*stopped inflating at \d+ bytes/);
    const stoppedAt = Number(/stopped inflating at (\d+) bytes/.exec((await listRejectedReason('bomb.zip')).reason)![1]);
    // Stopped after the first slice of compressed input, long before the 40 MB were produced.
    expect(stoppedAt).toBeLessThan(20_000_000);
  });

  it('refuses entries that unpack past maxUnpackedMb in total', async () => {
    // Three 0.9 MB stored entries (ratio 1) are each under maxFileMb (1) but 2.7 MB together, over maxUnpackedMb (2).
    const noise = (seed: number): Uint8Array => {
      let state = seed;
      const lines = ['order_id,customer_id'];
      for (let length = 0; length < 900_000; length += lines[lines.length - 1]!.length + 1) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        lines.push(`${state.toString(16).padStart(8, '0')},${(state ^ 0x5bd1e995).toString(16)}`);
      }
      return text(lines.join('\n')).subarray(0, 900_000);
    };
    const zip = zipSync({ 'orders.csv': [noise(1), { level: 0 }], 'sellers.csv': [noise(2), { level: 0 }], 'customers.csv': [noise(3), { level: 0 }] });
    await drop('big.zip', zip);
    // The zip itself is over maxFileMb (1); allow the drop, keep the per-file and total limits.
    deps = { ...deps, limits: { ...LIMITS, maxFileMb: 3 } };
    await expectRefused('landing/big.zip', 'max-unpacked-size', /more than maxUnpackedMb \(2 MB\)/);
  });

  it('refuses a file over maxFileMb once unpacked', async () => {
    const zip = zipSync({ 'orders.csv': [new Uint8Array(1_100_000).fill(0x61), { level: 0 }] });
    deps = { ...deps, limits: { ...LIMITS, maxFileMb: 1, maxUnpackedMb: 10 } };
    // Stored (not deflated), so the drop is just over 1 MB: refused before it is read.
    const result = await unpackFileDrop(deps, { landingKey: await drop('huge.zip', zip) });
    expect(result).toMatchObject({ status: 'refused', rule: 'max-file-size' });
    expect(await lakeFiles()).toEqual([`dataquality/rejected/ingest_date=${DATE}/huge.zip.reason.json`]);
  });

  it('refuses a file that unpacks over maxFileMb while its archive is small', async () => {
    deps = { ...deps, limits: { ...LIMITS, maxCompressionRatio: 10_000, maxUnpackedMb: 10 } };
    await expectRefused(await drop('grow.zip', zipSync({ 'orders.csv': new Uint8Array(1_200_000).fill(0x61) })), 'max-file-size', /unpacks to more than maxFileMb \(1 MB\)/);
  });

  it('refuses a zip with more entries than maxEntries', async () => {
    const entries: Zippable = {};
    for (let i = 0; i < 6; i++) entries[`part-${i}/orders.csv`] = text(ORDERS_CSV);
    await expectRefused(await drop('many.zip', zipSync(entries)), 'max-entries', /more than maxEntries \(5\)/);
  });

  it('refuses a nested archive by name', async () => {
    await expectRefused(await drop('nested.zip', zipSync({ 'orders.csv': text(ORDERS_CSV), 'more.zip': zipSync({ 'sellers.csv': text(SELLERS_CSV) }) })), 'nested-archive', /"more\.zip" is an archive/);
  });

  it('refuses a nested archive disguised as a CSV, by its magic bytes', async () => {
    const disguised = gzipSync(text(ORDERS_CSV));
    await expectRefused(await drop('disguised.zip', zipSync({ 'orders.csv': disguised })), 'nested-archive', /named like a CSV but its content is gzip/);
  });

  it('refuses a plain .csv drop that is really a zip', async () => {
    await expectRefused(await drop('orders.csv', zipSync({ 'orders.csv': text(ORDERS_CSV) })), 'nested-archive', /its content is zip/);
  });

  it('refuses symlink entries', async () => {
    const zip = withUnixMode(zipSync({ 'orders.csv': text('/etc/passwd') }), 'orders.csv', 0o120777);
    await expectRefused(await drop('link.zip', zip), 'symlink-entry', /"orders\.csv" is a symbolic link/);
  });

  it('refuses encrypted entries', async () => {
    await expectRefused(await drop('secret.zip', withFlags(zipSync({ 'orders.csv': text(ORDERS_CSV) }), 0x1)), 'encrypted-entry', /is encrypted/);
  });

  it('refuses an empty file', async () => {
    await expectRefused(await drop('orders.csv', ''), 'empty-file', /0 bytes/);
  });

  it('refuses an empty entry in a zip', async () => {
    await expectRefused(await drop('empty.zip', zipSync({ 'orders.csv': new Uint8Array(0) })), 'empty-file', /is empty \(0 bytes\)/);
  });

  it('accepts a header-only CSV as a file with no records: a feed with nothing new for that table', async () => {
    const header = 'order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date\r\n';
    const result = await unpackFileDrop(deps, { landingKey: await drop('olist_orders_dataset.csv.gz', gzipSync(text(header))) });
    expect(result.status).toBe('ingested');
    expect(result.files).toEqual([expect.objectContaining({ table: 'orders', rows: 0, stagedRows: 0, rejectedRows: 0, written: true })]);
  });

  it('refuses a corrupt gzip', async () => {
    const gz = gzipSync(text(ORDERS_CSV));
    const damaged = gz.slice();
    damaged[gz.length - 6]! ^= 0xff; // CRC byte: fflate alone would accept it
    await expectRefused(await drop('orders.csv.gz', damaged), 'corrupt-archive', /CRC-32\/size check failed/);
  });

  it('refuses a truncated gzip', async () => {
    const gz = gzipSync(text(ORDERS_CSV.repeat(50)));
    await expectRefused(await drop('orders.csv.gz', gz.subarray(0, gz.length - 20)), 'corrupt-archive', /gzip/);
  });

  it('refuses something named .csv.gz that is not gzip', async () => {
    await expectRefused(await drop('orders.csv.gz', text(ORDERS_CSV)), 'corrupt-archive', /not a gzip stream/);
  });

  it('refuses a truncated zip', async () => {
    const zip = zipSync({ 'orders.csv': text(ORDERS_CSV), 'sellers.csv': text(SELLERS_CSV) });
    await expectRefused(await drop('cut.zip', zip.subarray(0, zip.length - 30)), 'corrupt-archive', /end-of-central-directory/);
  });

  it('refuses a zip whose deflate data is damaged', async () => {
    const zip = zipSync({ 'orders.csv': text(ORDERS_CSV.repeat(20)) });
    const damaged = zip.slice();
    for (let at = 60; at < 90; at++) damaged[at] = 0xff;
    await expectRefused(await drop('damaged.zip', damaged), 'corrupt-archive', /orders\.csv/);
  });

  it('refuses a CSV whose name matches no dataset, naming the file', async () => {
    await expectRefused(await drop('mix.zip', zipSync({ 'orders.csv': text(ORDERS_CSV), 'invoices.csv': text(ORDERS_CSV) })), 'unknown-dataset', /"invoices\.csv" matches no dataset/);
  });

  it('refuses a non-CSV entry and an unsupported drop type', async () => {
    await expectRefused(await drop('notes.zip', zipSync({ 'orders.csv': text(ORDERS_CSV), 'README.txt': text('hi') })), 'unexpected-file', /"README\.txt" is not a \.csv file/);
    await rm(lake, { recursive: true, force: true });
    await expectRefused(await drop('orders.xlsx', text('PK')), 'unsupported-type', /only \.csv, \.csv\.gz and \.zip/);
  });

  it('refuses an entry whose header declares a different size than it holds', async () => {
    // A stored entry whose header claims fewer bytes than it holds.
    const zip = zipSync({ 'orders.csv': [text(ORDERS_CSV), { level: 0 }] });
    const view = new DataView(zip.buffer);
    for (let at = 0; at < zip.length - 4; at++) if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 10, true);
    await expectRefused(await drop('lying.zip', zip), 'corrupt-archive', /declared 10 bytes/);
  });
});

describe('unpackFileDrop: writes stay inside raw/<table>/ and dataquality/rejected/', () => {
  it('after a mix of good and hostile drops, the lake holds nothing else', async () => {
    const drops = [
      await drop('good.zip', zipSync({ 'orders.csv': text(ORDERS_CSV), 'sellers.csv': text(SELLERS_CSV) })),
      await drop('slip.zip', zipSync({ '../../../outside.csv': text(ORDERS_CSV) })),
      await drop('abs.zip', zipSync({ '/tmp/outside.csv': text(ORDERS_CSV) })),
      await drop('olist_order_reviews_dataset.csv', REVIEWS_WITH_NEWLINES),
      await drop('bomb.csv.gz', gzipSync(new Uint8Array(500_000).fill(0x61))),
    ];
    for (const landingKey of drops) await unpackFileDrop(deps, { landingKey });

    const files = await lakeFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const path of files) {
      expect(path).toMatch(
        new RegExp(`^(raw/(orders|sellers|order_reviews)/ingest_date=${DATE}/[0-9a-f]{12}-[a-z_]+\\.csv|raw/received/(orders|sellers|order_reviews)/[0-9a-f]{12}\\.json|raw/(staged|rejects)/(orders|sellers|order_reviews)/ingest_date=${DATE}/[0-9a-f]{12}-[a-z_]+\\.parquet|dataquality/rejected/ingest_date=${DATE}/[^/]+)$`),
      );
    }
    expect(await readdir(join(lake, '..'))).not.toContain('outside.csv');
    expect(await listLandingDrops(store)).toEqual([]);
  });
});

describe('listLandingDrops', () => {
  it('lists drops under landing/, skipping reason files, hidden files and other prefixes', async () => {
    await drop('a.zip', 'x');
    await drop('sub/b.csv', 'x');
    await drop('a.zip.reason.json', '{}');
    await drop('.hidden.csv', 'x');
    await store.write('raw', 'orders/ingest_date=2026-01-01/x.csv', 'x');

    expect(await listLandingDrops(store)).toEqual([
      { key: 'landing/a.zip', sizeBytes: 1 },
      { key: 'landing/sub/b.csv', sizeBytes: 1 },
    ]);
  });
});

describe('unpackFileDrop: requests', () => {
  it('throws, and touches nothing, for a key outside landing/', async () => {
    await store.write('raw', 'orders/x.csv', ORDERS_CSV);
    await expect(unpackFileDrop(deps, { landingKey: 'orders/x.csv' })).rejects.toThrow(/must be a file under "landing\/"/);
    await expect(unpackFileDrop(deps, { landingKey: 'landing/../orders/x.csv' })).rejects.toThrow(/".." segments/);
    expect(await lakeFiles()).toEqual(['raw/orders/x.csv']);
  });
});
