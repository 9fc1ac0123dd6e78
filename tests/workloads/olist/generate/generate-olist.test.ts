import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from '../../../../cli/synth-platform.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDefinition } from '../../../../pipelines/datasets/dataset.ts';
import { olistTable, olistTables } from '../../../../workloads/olist/tables.ts';

const OLIST_DATASETS = olistTables().filter((dataset) => dataset.layer === 'trusted');
const [orders, orderItems, orderReviews] = ['orders', 'order_items', 'order_reviews'].map(olistTable) as [DatasetDefinition, DatasetDefinition, DatasetDefinition];
import { generateOlist, MANIFEST_FILE, type GenerateManifest } from '../../../../workloads/olist/generate/generate-olist.ts';
import { readTree, runStrata } from '../../../support/run-cli.ts';
import { judgeRows, readCsv, type RowVerdict } from './olist-rows.ts';

/** The real Olist sample, gzipped in the repository so any clean clone has it. */
const REAL_SAMPLE = join(REPO_ROOT, 'tests', 'fixtures', 'olist-sample');
const OLIST_FILES = OLIST_DATASETS.map((dataset) => dataset.sourceFile!);
const CLOSED_DEALS = 'olist_closed_deals_dataset.csv';

let workDir: string;
let clean: { dir: string; manifest: GenerateManifest };
let double: { dir: string; manifest: GenerateManifest };

async function generate(name: string, scale: number, extra: { seed?: number; badRows?: number } = {}) {
  const dir = join(workDir, name);
  return { dir, manifest: await generateOlist({ scale, outDir: dir, ...extra }) };
}

let tenth: Promise<{ dir: string; manifest: GenerateManifest }> | undefined;
/** Scale 0.1, generated once for the specifications that need volume. */
const generateTenth = () => (tenth ??= generate('tenth', 0.1));

const rowsOf = (dir: string, file: string) => readCsv(dir, file).rows;
/** File name -> SHA-256: byte-for-byte comparison without diffing megabytes element by element. */
const digests = (dir: string) => new Map([...readTree(dir)].map(([file, bytes]) => [file, createHash('sha256').update(bytes).digest('hex')]));
const column = (header: readonly string[], name: string) => header.indexOf(name);

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'strata-generate-'));
  clean = await generate('clean', 0.01);
  double = await generate('double', 0.02);
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('strata generate (synthetic Olist)', () => {
  it('writes the nine Olist files with the headers of the real dataset, and the marketing funnel’s closed deals with its published columns', () => {
    const realFiles = readdirSync(REAL_SAMPLE)
      .filter((file) => file.endsWith('.csv.gz'))
      .map((file) => file.replace(/\.gz$/, ''))
      .sort();
    const generatedFiles = readdirSync(clean.dir).filter((file) => file !== MANIFEST_FILE).sort();
    expect(generatedFiles).toEqual([...realFiles, CLOSED_DEALS].sort());
    expect(generatedFiles).toEqual([...OLIST_FILES].sort());
    expect(readFileSync(join(clean.dir, CLOSED_DEALS), 'utf8').split('\n', 1)[0]).toBe(
      'mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,lead_behaviour_profile,has_company,has_gtin,average_stock,business_type,declared_product_catalog_size,declared_monthly_revenue',
    );
    for (const file of realFiles) {
      const firstLine = (text: string) => text.split('\n', 1)[0];
      expect(firstLine(readFileSync(join(clean.dir, file), 'utf8')), file).toBe(firstLine(gunzipSync(readFileSync(join(REAL_SAMPLE, `${file}.gz`))).toString('utf8')));
    }
  });

  it('writes only rows that satisfy the dataset definitions when no bad rows are asked for', () => {
    for (const dataset of OLIST_DATASETS) {
      const { rows } = readCsv(clean.dir, dataset.sourceFile!);
      const verdicts = judgeRows(dataset, rows);
      expect(verdicts.filter((verdict) => verdict !== 'clean'), dataset.sourceFile).toEqual([]);
      const required = dataset.columns.flatMap((definition, index) => (definition.required ? [index] : []));
      expect(rows.filter((row) => required.some((index) => row.fields[index] === '')), dataset.sourceFile).toEqual([]);
      expect(clean.manifest.files[dataset.sourceFile!]!.rows, dataset.sourceFile).toBe(rows.length);
    }
  });

  it('is byte-identical for the same arguments and different for another seed', async () => {
    const again = await generate('again', 0.01);
    const otherSeed = await generate('seed-7', 0.01, { seed: 7 });
    expect(digests(again.dir)).toEqual(digests(clean.dir));
    const ordersFile = 'olist_orders_dataset.csv';
    expect(readFileSync(join(otherSeed.dir, ordersFile))).not.toEqual(readFileSync(join(clean.dir, ordersFile)));
    expect(otherSeed.manifest.seed).toBe(7);
  });

  it('scales every count linearly, and keeps the 71 categories fixed', () => {
    const rows = (manifest: GenerateManifest, file: string) => manifest.files[file]!.rows;
    expect(rows(clean.manifest, 'olist_orders_dataset.csv')).toBe(Math.round(99_441 * 0.01));
    expect(rows(double.manifest, 'olist_orders_dataset.csv')).toBe(Math.round(99_441 * 0.02));
    expect(rows(double.manifest, 'olist_sellers_dataset.csv')).toBe(Math.round(3_095 * 0.02));
    expect(rows(double.manifest, 'olist_products_dataset.csv')).toBe(Math.round(32_951 * 0.02));
    expect(rows(double.manifest, 'olist_geolocation_dataset.csv')).toBe(Math.round(1_000_163 * 0.02));
    for (const file of OLIST_FILES) {
      if (file === 'product_category_name_translation.csv') continue;
      const ratio = rows(double.manifest, file) / rows(clean.manifest, file);
      // Closed deals are drawn per seller, a few dozen at these scales: the ratio is noisier.
      const [low, high] = file === CLOSED_DEALS ? [1.5, 2.6] : [1.85, 2.15];
      expect(ratio, file).toBeGreaterThan(low);
      expect(ratio, file).toBeLessThan(high);
    }
    expect(rows(clean.manifest, 'product_category_name_translation.csv')).toBe(71);
    expect(rows(double.manifest, 'product_category_name_translation.csv')).toBe(71);
  });

  it('keeps every reference between the clean files intact', () => {
    const ids = (file: string, name: string) => {
      const { header, rows } = readCsv(double.dir, file);
      return rows.map((row) => row.fields[column(header, name)]!);
    };
    const orderIds = new Set(ids('olist_orders_dataset.csv', 'order_id'));
    const customerIds = new Set(ids('olist_customers_dataset.csv', 'customer_id'));
    const sellerIds = new Set(ids('olist_sellers_dataset.csv', 'seller_id'));
    const productIds = new Set(ids('olist_products_dataset.csv', 'product_id'));
    const zips = new Set(ids('olist_geolocation_dataset.csv', 'geolocation_zip_code_prefix'));
    const categories = new Set(ids('product_category_name_translation.csv', 'product_category_name'));
    const missing = (values: string[], known: Set<string>) => values.filter((value) => !known.has(value));

    expect(missing(ids('olist_orders_dataset.csv', 'customer_id'), customerIds)).toEqual([]);
    expect(missing(ids('olist_order_items_dataset.csv', 'order_id'), orderIds)).toEqual([]);
    expect(missing(ids('olist_order_items_dataset.csv', 'seller_id'), sellerIds)).toEqual([]);
    expect(missing(ids('olist_order_items_dataset.csv', 'product_id'), productIds)).toEqual([]);
    expect(missing(ids('olist_order_payments_dataset.csv', 'order_id'), orderIds)).toEqual([]);
    expect(missing(ids('olist_order_reviews_dataset.csv', 'order_id'), orderIds)).toEqual([]);
    expect(missing(ids('olist_customers_dataset.csv', 'customer_zip_code_prefix'), zips)).toEqual([]);
    expect(missing(ids('olist_sellers_dataset.csv', 'seller_zip_code_prefix'), zips)).toEqual([]);
    expect(missing(ids('olist_products_dataset.csv', 'product_category_name').filter((name) => name !== ''), categories)).toEqual([]);
    expect([...orderIds, ...sellerIds, ...productIds].every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect([...zips].every((zip) => /^\d{5}$/.test(zip))).toBe(true);
  });

  it('pays each order exactly its items plus freight, and keeps lifecycle timestamps in order', () => {
    const items = readCsv(double.dir, 'olist_order_items_dataset.csv');
    const payments = readCsv(double.dir, 'olist_order_payments_dataset.csv');
    const cents = (text: string) => Math.round(Number(text) * 100);
    const owed = new Map<string, number>();
    for (const row of items.rows) {
      const order = row.fields[0]!;
      owed.set(order, (owed.get(order) ?? 0) + cents(row.fields[column(items.header, 'price')]!) + cents(row.fields[column(items.header, 'freight_value')]!));
    }
    const paid = new Map<string, number>();
    for (const row of payments.rows) paid.set(row.fields[0]!, (paid.get(row.fields[0]!) ?? 0) + cents(row.fields[column(payments.header, 'payment_value')]!));
    const wrong = [...owed].filter(([order, total]) => paid.get(order) !== total);
    expect(wrong).toEqual([]);
    expect(paid.size).toBeGreaterThan(owed.size);

    const { header, rows } = readCsv(double.dir, 'olist_orders_dataset.csv');
    const at = (row: { fields: readonly string[] }, name: string) => row.fields[column(header, name)]!;
    let late = 0;
    let delivered = 0;
    for (const row of rows) {
      const chain = ['order_purchase_timestamp', 'order_approved_at', 'order_delivered_carrier_date', 'order_delivered_customer_date']
        .map((name) => at(row, name))
        .filter((value) => value !== '');
      expect([...chain].sort(), at(row, 'order_id')).toEqual(chain);
      if (at(row, 'order_status') === 'delivered') {
        delivered++;
        if (at(row, 'order_delivered_customer_date') > at(row, 'order_estimated_delivery_date')) late++;
      } else expect(at(row, 'order_delivered_customer_date')).toBe('');
    }
    expect(delivered / rows.length).toBeGreaterThan(0.93);
    expect(late / delivered).toBeGreaterThan(0.02);
    expect(late / delivered).toBeLessThan(0.2);
  });

  it('writes review texts with commas, quotes and line breaks that DuckDB reads back whole', async () => {
    const reviews = readCsv(double.dir, 'olist_order_reviews_dataset.csv');
    const messageIndex = column(reviews.header, 'review_comment_message');
    const tricky = reviews.rows.filter((row) => /[\n",]/.test(row.fields[messageIndex]!));
    expect(tricky.some((row) => row.fields[messageIndex]!.includes('\n'))).toBe(true);
    expect(tricky.some((row) => row.fields[messageIndex]!.includes('"'))).toBe(true);

    const connection = await (await DuckDBInstance.create()).connect();
    const path = join(double.dir, 'olist_order_reviews_dataset.csv');
    const result = await connection.runAndReadAll(
      `select review_id, order_id, coalesce(review_comment_message, '') as message from read_csv('${path}', header=true, all_varchar=true)`,
    );
    const read = result.getRowObjectsJson() as { review_id: string; order_id: string; message: string }[];
    expect(read.length).toBe(double.manifest.files['olist_order_reviews_dataset.csv']!.rows);
    const byOrder = new Map(read.map((row) => [row.order_id, row.message]));
    for (const row of tricky) expect(byOrder.get(row.fields[1]!)).toBe(row.fields[messageIndex]);
    connection.closeSync();
  });

  it('injects exactly the bad rows its manifest declares, of each kind, and leaves the clean rows as they were', async () => {
    const dirty = await generate('dirty', 0.01, { badRows: 0.2 });
    const kindsSeen = new Set<RowVerdict>();
    for (const dataset of OLIST_DATASETS) {
      const file = dataset.sourceFile!;
      const { rows } = readCsv(dirty.dir, file);
      const verdicts = judgeRows(dataset, rows);
      const declared = dirty.manifest.files[file]!;
      const counted = Object.fromEntries(Object.keys(declared.badRows).map((kind) => [kind, verdicts.filter((verdict) => verdict === kind).length]));
      expect(counted, file).toEqual(declared.badRows);
      expect(verdicts.filter((verdict) => verdict === 'clean').length, file).toBe(declared.cleanRows);
      for (const [kind, count] of Object.entries(declared.badRows)) if (count > 0) kindsSeen.add(kind as RowVerdict);

      const cleanAgain = rows.filter((_, index) => verdicts[index] === 'clean').map((row) => row.raw);
      expect(cleanAgain, file).toEqual(rowsOf(clean.dir, file).map((row) => row.raw));
      if (rows.length > 1000) {
        const share = (rows.length - declared.cleanRows) / rows.length;
        expect(share, file).toBeGreaterThan(0.17);
        expect(share, file).toBeLessThan(0.23);
      }
    }
    expect([...kindsSeen].sort()).toEqual(['duplicate', 'empty_key', 'extra_field', 'out_of_range', 'unparseable_date', 'unparseable_number']);
    // Kinds that make no sense for a file are never injected there.
    expect(dirty.manifest.files[orders.sourceFile!]!.badRows.unparseable_number).toBe(0);
    expect(dirty.manifest.files['olist_sellers_dataset.csv']!.badRows.unparseable_date).toBe(0);
    expect(dirty.manifest.files['product_category_name_translation.csv']!.badRows.out_of_range).toBe(0);
  });

  it('has sellers who enter over time and a meaningful share who stop selling for good', () => {
    const orderRows = readCsv(double.dir, orders.sourceFile!);
    const purchaseOf = new Map(
      orderRows.rows
        .filter((row) => row.fields[column(orderRows.header, 'order_status')] === 'delivered')
        .map((row) => [row.fields[0]!, row.fields[column(orderRows.header, 'order_purchase_timestamp')]!]),
    );
    const items = readCsv(double.dir, orderItems.sourceFile!);
    const sales = new Map<string, { first: string; last: string }>();
    for (const row of items.rows) {
      const purchase = purchaseOf.get(row.fields[0]!);
      if (purchase === undefined) continue;
      const seller = row.fields[column(items.header, 'seller_id')]!;
      const known = sales.get(seller);
      sales.set(seller, known ? { first: purchase < known.first ? purchase : known.first, last: purchase > known.last ? purchase : known.last } : { first: purchase, last: purchase });
    }
    const end = Math.max(...[...purchaseOf.values()].map((timestamp) => Date.parse(`${timestamp.replace(' ', 'T')}Z`)));
    const lastSales = [...sales.values()].map((sale) => Date.parse(`${sale.last.replace(' ', 'T')}Z`));
    const gone = lastSales.filter((last) => end - last > 45 * 86_400_000).length / lastSales.length;
    expect(gone).toBeGreaterThan(0.15);
    expect(gone).toBeLessThan(0.6);
    const firstMonths = new Set([...sales.values()].map((sale) => sale.first.slice(0, 7)));
    expect(firstMonths.size).toBeGreaterThanOrEqual(10);

    // Heavy tail: the busiest tenth of the sellers make a third or more of the sales.
    const volumes = new Map<string, number>();
    for (const row of items.rows) volumes.set(row.fields[3]!, (volumes.get(row.fields[3]!) ?? 0) + 1);
    const sorted = [...volumes.values()].sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((sum, n) => sum + n, 0);
    expect(top / items.rows.length).toBeGreaterThan(0.3);
  });

  it('keeps sellers trading to the end: they leave at a steady monthly rate, and fade before they go', async () => {
    const { dir } = await generateTenth();
    const orderRows = readCsv(dir, orders.sourceFile!);
    const at = (fields: readonly string[], name: string) => fields[column(orderRows.header, name)]!;
    const orderOf = new Map(orderRows.rows.map((row) => [row.fields[0]!, row.fields]));
    const scoreOf = new Map(readCsv(dir, orderReviews.sourceFile!).rows.map((row) => [row.fields[1]!, Number(row.fields[2])]));
    const items = readCsv(dir, orderItems.sourceFile!);
    const sellerAt = column(items.header, 'seller_id');
    // A sale is an order with an item of the seller, whatever its status, as the feature store counts it.
    const sales = items.rows.map((row) => ({ seller: row.fields[sellerAt]!, order: orderOf.get(row.fields[0]!)! }));
    const monthsOf = new Map<string, Set<string>>();
    const lastSale = new Map<string, string>();
    for (const { seller, order } of sales) {
      const purchase = at(order, 'order_purchase_timestamp');
      if (!monthsOf.has(seller)) monthsOf.set(seller, new Set());
      monthsOf.get(seller)!.add(purchase.slice(0, 7));
      if (purchase > (lastSale.get(seller) ?? '')) lastSale.set(seller, purchase);
    }
    const active = (month: string) => [...monthsOf.values()].filter((months) => months.has(month)).length;
    const leaving = (month: string) => [...lastSale.values()].filter((last) => last.startsWith(month)).length;

    // No thinning out before the end: the last month of normal trade has about as many sellers as any month.
    const tradingMonths = [...new Set([...monthsOf.values()].flatMap((months) => [...months]))].filter((month) => month <= '2018-08').sort();
    expect(active('2018-08')).toBeGreaterThanOrEqual(0.9 * Math.max(...tradingMonths.map(active)));

    // The share of a month's sellers who never sell again is steady: no third of the period, and not the
    // months just before the out-of-time snapshot, leaves much more or much less than the whole.
    const months = tradingMonths.filter((month) => month >= '2017-03' && month <= '2018-07');
    const rate = (span: readonly string[]) => span.reduce((sum, month) => sum + leaving(month), 0) / span.reduce((sum, month) => sum + active(month), 0);
    const overall = rate(months);
    expect(overall).toBeGreaterThan(0.02);
    const third = Math.ceil(months.length / 3);
    for (const span of [months.slice(0, third), months.slice(third, 2 * third), months.slice(2 * third), months.slice(-2)]) {
      expect(rate(span) / overall, span.join(',')).toBeGreaterThan(0.6);
      expect(rate(span) / overall, span.join(',')).toBeLessThan(1.6);
    }

    // Leavers fade: in their last 60 days their delivered orders arrive late and disappoint more often.
    const delivered = sales.filter(({ order }) => at(order, 'order_status') === 'delivered' && at(order, 'order_purchase_timestamp') < '2018-09');
    const leaver = (seller: string) => lastSale.get(seller)! < '2018-07';
    const final = ({ seller, order }: (typeof sales)[number]) =>
      Date.parse(`${lastSale.get(seller)!.replace(' ', 'T')}Z`) - Date.parse(`${at(order, 'order_purchase_timestamp').replace(' ', 'T')}Z`) < 60 * 86_400_000;
    const fading = delivered.filter((sale) => leaver(sale.seller) && final(sale));
    const staying = delivered.filter((sale) => !leaver(sale.seller));
    const meanScore = (picked: typeof sales) => {
      const scores = picked.flatMap(({ order }) => (scoreOf.has(order[0]!) ? [scoreOf.get(order[0]!)!] : []));
      return scores.reduce((sum, score) => sum + score, 0) / scores.length;
    };
    const lateShare = (picked: typeof sales) =>
      picked.filter(({ order }) => at(order, 'order_delivered_customer_date') > at(order, 'order_estimated_delivery_date')).length / picked.length;
    expect(fading.length).toBeGreaterThan(100);
    expect(meanScore(fading)).toBeLessThan(meanScore(staying) - 0.2);
    expect(lateShare(fading)).toBeGreaterThan(1.4 * lateShare(staying));
  });

  it('brings returning customers back to the shelf they last bought from far more often than chance', async () => {
    const { dir } = await generateTenth();
    const personOf = new Map(readCsv(dir, 'olist_customers_dataset.csv').rows.map((row) => [row.fields[0]!, row.fields[1]!]));
    const categoryOf = new Map(readCsv(dir, 'olist_products_dataset.csv').rows.map((row) => [row.fields[0]!, row.fields[1]!]));
    const firstCategory = new Map(
      readCsv(dir, orderItems.sourceFile!).rows.filter((row) => row.fields[1] === '1').map((row) => [row.fields[0]!, categoryOf.get(row.fields[2]!)!]),
    );
    const orderRows = readCsv(dir, orders.sourceFile!).rows
      .map((row) => ({ person: personOf.get(row.fields[1]!)!, purchase: row.fields[3]!, category: firstCategory.get(row.fields[0]!) }))
      .filter((order) => order.category !== undefined && order.category !== '')
      .sort((a, b) => (a.purchase < b.purchase ? -1 : a.purchase > b.purchase ? 1 : 0));
    const lastOf = new Map<string, string>();
    let returning = 0;
    let sameShelf = 0;
    // Chance: the same category as the order placed just before, by anyone.
    let sameAsPrevious = 0;
    orderRows.forEach((order, index) => {
      if (index > 0 && orderRows[index - 1]!.category === order.category) sameAsPrevious++;
      const last = lastOf.get(order.person);
      if (last !== undefined) {
        returning++;
        if (last === order.category) sameShelf++;
      }
      lastOf.set(order.person, order.category!);
    });
    expect(returning).toBeGreaterThan(200);
    const chance = sameAsPrevious / orderRows.length;
    expect(chance).toBeLessThan(0.1);
    expect(sameShelf / returning).toBeGreaterThan(0.3);
    expect(sameShelf / returning).toBeGreaterThan(4 * chance);
  });

  it('skews review scores like Olist, and worse for late deliveries', () => {
    const reviews = readCsv(double.dir, orderReviews.sourceFile!);
    const scores = reviews.rows.map((row) => Number(row.fields[2]));
    const share = (score: number) => scores.filter((value) => value === score).length / scores.length;
    expect(share(5)).toBeGreaterThan(0.45);
    expect(share(5)).toBeLessThan(0.68);
    expect(share(1)).toBeGreaterThan(0.06);
    expect(share(1)).toBeLessThan(0.18);

    const orderRows = readCsv(double.dir, orders.sourceFile!);
    const at = (fields: readonly string[], name: string) => fields[column(orderRows.header, name)]!;
    const lateness = new Map(
      orderRows.rows
        .filter((row) => at(row.fields, 'order_status') === 'delivered')
        .map((row) => [row.fields[0]!, at(row.fields, 'order_delivered_customer_date') > at(row.fields, 'order_estimated_delivery_date')]),
    );
    const mean = (late: boolean) => {
      const picked = reviews.rows.filter((row) => lateness.get(row.fields[1]!) === late).map((row) => Number(row.fields[2]));
      return picked.reduce((sum, score) => sum + score, 0) / picked.length;
    };
    expect(mean(true)).toBeLessThan(mean(false) - 1);
  });

  it('runs from the command line, reporting each file, and refuses an out-of-range option with exit code 2', () => {
    const out = join(workDir, 'cli');
    const run = runStrata(['generate', '--scale', '0.01', '--out', out, '--seed', '42']);
    expect(run.stderr.split('\n').filter((line) => line.includes('.csv'))).toHaveLength(10);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/10 olist files/);
    expect(digests(out)).toEqual(digests(clean.dir));

    const refused = runStrata(['generate', '--scale', '0.01', '--out', join(workDir, 'refused'), '--bad-rows', '0.9']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--bad-rows must be a fraction from 0 to 0\.5/);
    expect(existsSync(join(workDir, 'refused'))).toBe(false);
  });

  it('refuses a missing --out and a scale outside (0, 20] before writing anything', async () => {
    expect(runStrata(['generate', '--scale', '1']).stderr).toMatch(/--out <folder> is required/);
    const tooBig = runStrata(['generate', '--scale', '21', '--out', join(workDir, 'big')]);
    expect(tooBig.status).toBe(2);
    expect(tooBig.stderr).toMatch(/--scale must be a number above 0 and up to 20 \(got "21"\)/);
    await expect(generateOlist({ scale: 0, outDir: join(workDir, 'zero') })).rejects.toThrow(/scale must be a number greater than 0/);
    expect(existsSync(join(workDir, 'zero'))).toBe(false);
  });
});
