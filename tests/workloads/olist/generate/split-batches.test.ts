import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORWARD_STATUSES, OLIST_FILES, splitIntoBatches, type SplitResult } from '../../../../workloads/olist/generate/split-batches.ts';
import { REPO_ROOT } from '../../../../cli/synth-platform.ts';
import { runStrata } from '../../../support/run-cli.ts';

const SAMPLE = join(REPO_ROOT, 'tests', 'fixtures', 'olist-sample');
const FOLDERS = ['history', 'batch-01', 'batch-02', 'batch-03'];

type Rows = Record<string, string>[];
const readCsv = (path: string): Rows => parse(readFileSync(path), { columns: true, bom: true }) as Rows;

describe('splitIntoBatches on the real Olist sample (history + 3 batches)', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-split-'));
  const from = join(work, 'sample');
  const out = join(work, 'split');
  const source = new Map<string, Rows>();
  const split = new Map<string, Map<string, Rows>>();
  let result: SplitResult;

  beforeAll(async () => {
    mkdirSync(from, { recursive: true });
    for (const file of OLIST_FILES) {
      writeFileSync(join(from, file), gunzipSync(readFileSync(join(SAMPLE, `${file}.gz`))));
      source.set(file, readCsv(join(from, file)));
    }
    result = await splitIntoBatches({ from, out, batches: 3, historyShare: 0.7, resend: 0.3, seed: 7 });
    for (const folder of FOLDERS) split.set(folder, new Map(OLIST_FILES.map((file) => [file, readCsv(join(out, folder, file))])));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const rows = (folder: string, file: string) => split.get(folder)!.get(file)!;

  it('writes the nine files, same headers, in history and each batch', () => {
    expect(readdirSync(out).sort()).toEqual([...FOLDERS].sort());
    for (const folder of FOLDERS) {
      expect(readdirSync(join(out, folder)).sort()).toEqual([...OLIST_FILES].sort());
      for (const file of OLIST_FILES) {
        const header = (text: string) => text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0];
        expect(header(readFileSync(join(out, folder, file), 'utf8')), `${folder}/${file}`).toBe(header(readFileSync(join(from, file), 'utf8')));
      }
    }
    expect(result.folders.map((folder) => folder.name)).toEqual(FOLDERS);
  });

  it('puts every order in exactly one folder as its first version, in purchase order, and the counts add up', () => {
    const orders = source.get('olist_orders_dataset.csv')!;
    const firstFolder = new Map<string, string>();
    let previousLast = '';
    for (const [index, folder] of FOLDERS.entries()) {
      const firsts = rows(folder, 'olist_orders_dataset.csv').filter((order) => !firstFolder.has(order.order_id!) || firstFolder.get(order.order_id!) === folder);
      const own = firsts.slice(0, result.folders[index]!.orders);
      for (const order of own) {
        expect(firstFolder.has(order.order_id!), order.order_id).toBe(false);
        firstFolder.set(order.order_id!, folder);
      }
      const times = own.map((order) => order.order_purchase_timestamp!);
      expect(times[0]! >= previousLast, folder).toBe(true);
      previousLast = times.at(-1)!;
    }
    expect(firstFolder.size).toBe(orders.length);
    expect(result.folders[0]!.orders).toBe(Math.round(0.7 * orders.length));
    const batchSizes = result.folders.slice(1).map((folder) => folder.orders);
    expect(Math.max(...batchSizes) - Math.min(...batchSizes)).toBeLessThanOrEqual(1);
    // Each batch file: its own orders, then the re-sent ones.
    for (const [index, folder] of FOLDERS.entries()) {
      expect(rows(folder, 'olist_orders_dataset.csv').length, folder).toBe(result.folders[index]!.orders + result.folders[index]!.resent);
    }
    // Every other file: each source row once over the folders.
    for (const file of OLIST_FILES.filter((name) => name !== 'olist_orders_dataset.csv')) {
      expect(FOLDERS.reduce((sum, folder) => sum + rows(folder, file).length, 0), file).toBe(source.get(file)!.length);
      expect(new Set(FOLDERS.flatMap((folder) => rows(folder, file).map((row) => JSON.stringify(row)))).size, file).toBe(new Set(source.get(file)!.map((row) => JSON.stringify(row))).size);
    }
  });

  it('sends items, payments and reviews with their order, customers with their first order, dimensions with their first reference', () => {
    const folderOfOrder = new Map<string, number>();
    FOLDERS.forEach((folder, index) => result.folders[index] && rows(folder, 'olist_orders_dataset.csv').slice(0, result.folders[index]!.orders).forEach((order) => folderOfOrder.set(order.order_id!, index)));
    for (const file of ['olist_order_items_dataset.csv', 'olist_order_payments_dataset.csv', 'olist_order_reviews_dataset.csv']) {
      FOLDERS.forEach((folder, index) => {
        for (const row of rows(folder, file)) expect(folderOfOrder.get(row.order_id!), `${file} ${row.order_id} in ${folder}`).toBe(index);
      });
    }
    FOLDERS.forEach((folder, index) => {
      const customers = new Set(rows(folder, 'olist_orders_dataset.csv').slice(0, result.folders[index]!.orders).map((order) => order.customer_id));
      for (const customer of rows(folder, 'olist_customers_dataset.csv')) expect(customers.has(customer.customer_id), customer.customer_id).toBe(true);
      if (index > 0) {
        for (const file of ['olist_geolocation_dataset.csv', 'product_category_name_translation.csv']) expect(rows(folder, file), `${folder}/${file}`).toEqual([]);
      }
    });
    // A seller or product is in the first folder whose items reference it: never after an item naming it.
    for (const [file, column] of [['olist_sellers_dataset.csv', 'seller_id'], ['olist_products_dataset.csv', 'product_id']] as const) {
      const declaredIn = new Map<string, number>();
      FOLDERS.forEach((folder, index) => rows(folder, file).forEach((row) => declaredIn.set(row[column]!, index)));
      const firstUse = new Map<string, number>();
      FOLDERS.forEach((folder, index) => rows(folder, 'olist_order_items_dataset.csv').forEach((item) => firstUse.has(item[column]!) || firstUse.set(item[column]!, index)));
      for (const [id, index] of declaredIn) expect(index, `${file} ${id}`).toBe(firstUse.get(id) ?? 0);
      expect(result.folders.slice(1).some((folder) => folder.rows[file]! > 0), file).toBe(true);
    }
  });

  it('re-sends earlier in-progress orders, changed to delivered and later than their first version', () => {
    const firstVersion = new Map<string, { folder: number; order: Record<string, string> }>();
    FOLDERS.forEach((folder, index) => rows(folder, 'olist_orders_dataset.csv').slice(0, result.folders[index]!.orders).forEach((order) => firstVersion.set(order.order_id!, { folder: index, order })));
    const resentSeen = new Set<string>();
    for (const [index, folder] of FOLDERS.entries()) {
      const resent = rows(folder, 'olist_orders_dataset.csv').slice(result.folders[index]!.orders);
      expect(resent.length, folder).toBe(index === 0 ? 0 : Math.round(0.3 * result.folders[index]!.orders));
      for (const order of resent) {
        const first = firstVersion.get(order.order_id!)!;
        expect(first.folder, order.order_id).toBeLessThan(index);
        expect(FORWARD_STATUSES).toContain(first.order.order_status);
        expect(order.order_status).toBe('delivered');
        expect(order.order_delivered_customer_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        expect(order.order_delivered_customer_date! >= order.order_delivered_carrier_date!).toBe(true);
        // A carrier date already sent stays (real Olist has a few before the purchase); a missing one is filled after the purchase.
        if (first.order.order_delivered_carrier_date) expect(order.order_delivered_carrier_date).toBe(first.order.order_delivered_carrier_date);
        else expect(order.order_delivered_carrier_date! >= order.order_purchase_timestamp!).toBe(true);
        // Everything else about the order stays as first sent.
        for (const column of ['customer_id', 'order_purchase_timestamp', 'order_estimated_delivery_date']) expect(order[column], column).toBe(first.order[column]);
        expect(resentSeen.has(order.order_id!), `re-sent twice: ${order.order_id}`).toBe(false);
        resentSeen.add(order.order_id!);
      }
    }
  });

  it('is deterministic: the same arguments give the same bytes', async () => {
    const again = join(work, 'again');
    await splitIntoBatches({ from, out: again, batches: 3, historyShare: 0.7, resend: 0.3, seed: 7 });
    for (const folder of FOLDERS) {
      for (const file of OLIST_FILES) expect(readFileSync(join(again, folder, file)).equals(readFileSync(join(out, folder, file))), `${folder}/${file}`).toBe(true);
    }
  });
});

describe('strata generate --batches', () => {
  it('generates then splits into history and batch-NN', () => {
    const work = mkdtempSync(join(tmpdir(), 'strata-generate-batches-'));
    try {
      const result = runStrata(['generate', '--scale', '0.01', '--out', work, '--batches', '2', '--history-share', '0.8', '--resend', '0.1']);
      expect(result.status, result.stderr).toBe(0);
      expect(readdirSync(work).sort()).toEqual(['batch-01', 'batch-02', 'history']);
      // The generator also writes the marketing funnel's closed deals: all in the history, an empty file in each batch.
      for (const folder of readdirSync(work)) expect(readdirSync(join(work, folder)).sort()).toEqual([...OLIST_FILES, 'olist_closed_deals_dataset.csv'].sort());
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it.each([
    [['--batches', '0'], /^strata generate: --batches must be a whole number from 1 to 999 \(got "0"\)$/],
    [['--batches', '2.5'], /^strata generate: --batches must be a whole number/],
    [['--batches', '3', '--history-share', '1.2'], /^strata generate: --history-share must be a fraction from 0 to 1 \(got "1.2"\)$/],
    [['--batches', '3', '--resend=-1'], /^strata generate: --resend must be a fraction from 0 to 1 \(got "-1"\)$/],
    [['--resend', '0.2'], /^strata generate: --resend only applies with --batches <n>$/],
  ])('exits 2 with one line for %j', (args, message) => {
    const result = runStrata(['generate', '--scale', '0.01', '--out', join(tmpdir(), 'strata-never-written'), ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(message);
  });
});

