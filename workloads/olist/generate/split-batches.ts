/**
 * Splits one Olist dataset (the nine CSVs) into a history load and batches
 * by purchase date, as a real feed would deliver it: the oldest orders first,
 * then the newer ones in slices, each slice with the updates of orders it
 * moved forward.
 *
 *   history/   the first `historyShare` of orders by order_purchase_timestamp,
 *              their items, payments, reviews and customers; every seller and
 *              product they reference or no order references; geolocation and
 *              the category translation
 *   batch-NN/  the next slice of orders with their items, payments, reviews and
 *              customers; the sellers and products first referenced there; and
 *              `resend` x the slice's size earlier orders re-sent changed: status
 *              moved forward to delivered, with the delivery date filled (as
 *              many as there are earlier orders still in progress; the most
 *              recently placed ones, as a feed updates the orders still moving)
 *
 * Each folder holds the nine files, same names and headers (a file may have
 * no data row). The same arguments give byte-identical folders.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { DatasetDefinition } from '../../../pipelines/datasets/dataset.ts';
import { olistTable } from '../tables.ts';
import { batchFolderName, DEFAULT_HISTORY_SHARE, DEFAULT_RESEND, HISTORY_FOLDER, MAX_BATCHES } from './batch-folders.ts';
import { formatTimestamp } from './calendar.ts';
import { CsvFileWriter, csvLine } from '../../../pipelines/workloads/generate/csv-writer.ts';
import { Random } from '../../../pipelines/workloads/generate/random.ts';


const [orders, orderItems, orderPayments, orderReviews, customers, products, sellers, geolocation, productCategoryNameTranslation, closedDeals] = [
  'orders', 'order_items', 'order_payments', 'order_reviews', 'customers', 'products', 'sellers', 'geolocation', 'product_category_name_translation', 'closed_deals',
].map(olistTable) as [DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition];

export { batchFolderName, DEFAULT_HISTORY_SHARE, DEFAULT_RESEND, HISTORY_FOLDER, MAX_BATCHES } from './batch-folders.ts';

/** Statuses a re-send moves forward to delivered. */
export const FORWARD_STATUSES: readonly string[] = ['created', 'approved', 'invoiced', 'processing', 'shipped'];

export interface SplitBatchesOptions {
  /** Folder holding the nine Olist CSVs (`.csv`, or `.csv.gz` when there is no `.csv`). */
  readonly from: string;
  /** Where `history/` and `batch-NN/` go (created; those folders are replaced). */
  readonly out: string;
  /** Number of batches after the history, 1 to 999. */
  readonly batches: number;
  /** Share of orders, oldest first, in the history, 0 to 1. @default 0.9 */
  readonly historyShare?: number;
  /** Earlier orders re-sent changed per batch, as a share of the batch's orders, 0 to 1. @default 0.3 */
  readonly resend?: number;
  /** @default 42 */
  readonly seed?: number;
}

export interface SplitFolder {
  readonly name: string;
  /** Orders whose first version is in this folder. */
  readonly orders: number;
  /** Earlier orders re-sent changed (0 for the history). */
  readonly resent: number;
  /** Earlier orders re-sending asked for that no earlier in-progress order was left for. */
  readonly resendShortfall: number;
  /** Data rows per file name. */
  readonly rows: Readonly<Record<string, number>>;
  /** Bytes of the files. */
  readonly bytes: number;
}

export interface SplitResult {
  readonly folders: readonly SplitFolder[];
}

const ORDER_FILES = {
  orders: orders.sourceFile!,
  items: orderItems.sourceFile!,
  payments: orderPayments.sourceFile!,
  reviews: orderReviews.sourceFile!,
  customers: customers.sourceFile!,
  products: products.sourceFile!,
  sellers: sellers.sourceFile!,
  geolocation: geolocation.sourceFile!,
  translation: productCategoryNameTranslation.sourceFile!,
} as const;
/** The nine files of the published e-commerce dataset: a folder to split holds each. */
export const OLIST_FILES: readonly string[] = Object.values(ORDER_FILES);
/** The marketing funnel's closed deals: split when the folder holds them (the generator writes them; Olist publishes them apart). */
const CLOSED_DEALS_FILE = closedDeals.sourceFile!;

interface Table {
  readonly header: string[];
  readonly rows: string[][];
  column(name: string): number;
}

function readTable(folder: string, file: string): Table {
  const plain = join(folder, file);
  const bytes = existsSync(plain) ? readFileSync(plain) : existsSync(`${plain}.gz`) ? gunzipSync(readFileSync(`${plain}.gz`)) : undefined;
  if (!bytes) throw new Error(`splitIntoBatches: ${file} (or ${file}.gz) is missing in ${folder}`);
  const records = parse(bytes, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
  const [header, ...rows] = records;
  if (!header) throw new Error(`splitIntoBatches: ${plain} has no header`);
  return {
    header,
    rows,
    column(name: string): number {
      const index = header.indexOf(name);
      if (index < 0) throw new Error(`splitIntoBatches: ${file} has no column ${name}`);
      return index;
    },
  };
}

const parseTimestamp = (text: string | undefined): number | undefined => {
  if (!text || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text)) return undefined;
  const ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms / 1000;
};

export async function splitIntoBatches(options: SplitBatchesOptions): Promise<SplitResult> {
  const { from, out, batches } = options;
  const historyShare = options.historyShare ?? DEFAULT_HISTORY_SHARE;
  const resend = options.resend ?? DEFAULT_RESEND;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(batches) || batches < 1 || batches > MAX_BATCHES) throw new RangeError(`batches must be a whole number from 1 to ${MAX_BATCHES} (got ${batches})`);
  if (!(historyShare >= 0 && historyShare <= 1)) throw new RangeError(`historyShare must be from 0 to 1 (got ${historyShare})`);
  if (!(resend >= 0 && resend <= 1)) throw new RangeError(`resend must be from 0 to 1 (got ${resend})`);

  const folderNames = [HISTORY_FOLDER, ...Array.from({ length: batches }, (_, i) => batchFolderName(i + 1, batches))];
  const folderCount = folderNames.length;

  // Orders, oldest purchase first (ties by order_id; a row without a timestamp sorts first, in history).
  const orderTable = readTable(from, ORDER_FILES.orders);
  const oId = orderTable.column('order_id');
  const oCustomer = orderTable.column('customer_id');
  const oStatus = orderTable.column('order_status');
  const oPurchase = orderTable.column('order_purchase_timestamp');
  const oApproved = orderTable.column('order_approved_at');
  const oCarrier = orderTable.column('order_delivered_carrier_date');
  const oDelivered = orderTable.column('order_delivered_customer_date');
  const ordered = orderTable.rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => cmp(a.row[oPurchase] ?? '', b.row[oPurchase] ?? '') || cmp(a.row[oId] ?? '', b.row[oId] ?? '') || a.index - b.index)
    .map(({ row }) => row);
  const historyCount = Math.round(historyShare * ordered.length);
  const rest = ordered.length - historyCount;
  /** First index in `ordered` of each folder; the last entry is the end. */
  const starts = [0, ...Array.from({ length: batches + 1 }, (_, i) => historyCount + Math.floor((i * rest) / batches))];

  const orderRows: string[][][] = folderNames.map(() => []);
  const folderOfOrder = new Map<string, number>();
  const folderOfCustomer = new Map<string, number>();
  for (let folder = 0; folder < folderCount; folder++) {
    for (let i = starts[folder]!; i < starts[folder + 1]!; i++) {
      const row = ordered[i]!;
      orderRows[folder]!.push(row);
      const id = row[oId] ?? '';
      // A duplicated order_id (a bad row) goes with the first version.
      if (!folderOfOrder.has(id)) folderOfOrder.set(id, folder);
      const customer = row[oCustomer] ?? '';
      if (!folderOfCustomer.has(customer)) folderOfCustomer.set(customer, folder);
    }
  }

  // Re-sends: per batch, earlier orders still in progress, moved to delivered.
  const resentCount: number[] = folderNames.map(() => 0);
  const shortfall: number[] = folderNames.map(() => 0);
  const resentIds = new Set<string>();
  for (let folder = 1; folder < folderCount; folder++) {
    const wanted = Math.round(resend * orderRows[folder]!.length);
    if (wanted === 0) continue;
    const candidates: string[][] = [];
    for (let i = 0; i < starts[folder]!; i++) {
      const row = ordered[i]!;
      if (FORWARD_STATUSES.includes(row[oStatus] ?? '') && !resentIds.has(row[oId] ?? '')) candidates.push(row);
    }
    const random = new Random(seed, `split-batches/resend/${folder}`);
    // A feed updates the orders still moving: the most recently placed of the earlier ones in progress.
    const take = Math.min(wanted, candidates.length);
    const chosen = candidates.slice(candidates.length - take);
    // The update cannot be dated after the feed's newest purchase in this batch (nor before the order's own steps).
    const batchLast = parseTimestamp(orderRows[folder]!.at(-1)?.[oPurchase]);
    for (const row of chosen) {
      const changed = [...row];
      const purchase = parseTimestamp(row[oPurchase]) ?? 0;
      const approved = parseTimestamp(row[oApproved]) ?? purchase + 600 + random.int(0, 86_400);
      const carrier = parseTimestamp(row[oCarrier]) ?? approved + 86_400 + random.int(0, 3 * 86_400);
      let delivered = carrier + 2 * 86_400 + random.int(0, 12 * 86_400);
      if (batchLast !== undefined && delivered > batchLast) delivered = Math.max(carrier + 3_600, batchLast);
      changed[oStatus] = 'delivered';
      changed[oApproved] = formatTimestamp(approved);
      changed[oCarrier] = formatTimestamp(carrier);
      changed[oDelivered] = formatTimestamp(delivered);
      orderRows[folder]!.push(changed);
      resentIds.add(row[oId] ?? '');
    }
    resentCount[folder] = take;
    shortfall[folder] = wanted - take;
  }

  // Children of an order go with its first version; those of an unknown order (bad rows) with the history.
  const byOrder = (table: Table): string[][][] => {
    const column = table.column('order_id');
    const split: string[][][] = folderNames.map(() => []);
    for (const row of table.rows) split[folderOfOrder.get(row[column] ?? '') ?? 0]!.push(row);
    return split;
  };
  const itemTable = readTable(from, ORDER_FILES.items);
  const itemRows = byOrder(itemTable);
  const paymentTable = readTable(from, ORDER_FILES.payments);
  const reviewTable = readTable(from, ORDER_FILES.reviews);

  // Sellers and products: with the first folder whose items reference them, else the history.
  const firstReference = (column: number): Map<string, number> => {
    const first = new Map<string, number>();
    itemRows.forEach((rows, folder) => {
      for (const row of rows) if (!first.has(row[column] ?? '')) first.set(row[column] ?? '', folder);
    });
    return first;
  };
  const sellerFolder = firstReference(itemTable.column('seller_id'));
  const productFolder = firstReference(itemTable.column('product_id'));
  const byKey = (table: Table, keyColumn: string, folderOf: Map<string, number>): string[][][] => {
    const column = table.column(keyColumn);
    const split: string[][][] = folderNames.map(() => []);
    for (const row of table.rows) split[folderOf.get(row[column] ?? '') ?? 0]!.push(row);
    return split;
  };
  const customerTable = readTable(from, ORDER_FILES.customers);
  const sellerTable = readTable(from, ORDER_FILES.sellers);
  const productTable = readTable(from, ORDER_FILES.products);
  const geolocationTable = readTable(from, ORDER_FILES.geolocation);
  const translationTable = readTable(from, ORDER_FILES.translation);
  const closedDealTable = existsSync(join(from, CLOSED_DEALS_FILE)) || existsSync(join(from, `${CLOSED_DEALS_FILE}.gz`)) ? readTable(from, CLOSED_DEALS_FILE) : undefined;
  const historyOnly = (table: Table): string[][][] => folderNames.map((_, folder) => (folder === 0 ? table.rows : []));

  const files: [string, Table, string[][][]][] = [
    [ORDER_FILES.orders, orderTable, orderRows],
    [ORDER_FILES.items, itemTable, itemRows],
    [ORDER_FILES.payments, paymentTable, byOrder(paymentTable)],
    [ORDER_FILES.reviews, reviewTable, byOrder(reviewTable)],
    [ORDER_FILES.customers, customerTable, byKey(customerTable, 'customer_id', folderOfCustomer)],
    [ORDER_FILES.products, productTable, byKey(productTable, 'product_id', productFolder)],
    [ORDER_FILES.sellers, sellerTable, byKey(sellerTable, 'seller_id', sellerFolder)],
    [ORDER_FILES.geolocation, geolocationTable, historyOnly(geolocationTable)],
    [ORDER_FILES.translation, translationTable, historyOnly(translationTable)],
    ...(closedDealTable ? [[CLOSED_DEALS_FILE, closedDealTable, historyOnly(closedDealTable)] as [string, Table, string[][][]]] : []),
  ];

  mkdirSync(out, { recursive: true });
  const result: SplitFolder[] = [];
  for (let folder = 0; folder < folderCount; folder++) {
    const dir = join(out, folderNames[folder]!);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const rows: Record<string, number> = {};
    let bytes = 0;
    for (const [file, table, split] of files) {
      const writer = new CsvFileWriter(join(dir, file), table.header);
      for (const row of split[folder]!) await writer.writeLine(csvLine(row));
      await writer.close();
      rows[file] = writer.rows;
      bytes += writer.bytes;
    }
    result.push({
      name: folderNames[folder]!,
      orders: starts[folder + 1]! - starts[folder]!,
      resent: resentCount[folder]!,
      resendShortfall: shortfall[folder]!,
      rows,
      bytes,
    });
  }
  return { folders: result };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
