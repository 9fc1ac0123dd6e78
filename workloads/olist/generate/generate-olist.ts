/**
 * Synthetic Olist: the nine files of the Brazilian e-commerce dataset, same
 * names and headers, at any scale, byte-identical for the same arguments.
 *
 * The shape follows the published data where the pipelines and the churn
 * model can notice it: monthly volume and Black Friday, sellers who enter,
 * sell a heavy-tailed volume and may stop for good at a steady monthly hazard
 * (fading first: fewer sales, late deliveries, poor reviews), the order status mix
 * with coherent lifecycle timestamps and late deliveries, review scores that
 * drop when late, Olist's payment mix, and review texts that need RFC 4180.
 * The few customers who come back (3.4% of orders) return to the category
 * they last bought from 40% of the time and to a neighbouring one
 * (CATEGORY_NEIGHBOURHOODS) 25%, so co-purchases carry a signal to recommend from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetDefinition } from '../../../pipelines/datasets/dataset.ts';
import { olistTable } from '../tables.ts';
import { DEFAULT_SEED, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE } from './limits.ts';
import { ORDER_STATUSES } from '../values.ts';
import { negate, RowSink, type BadRowKind, type CorruptionTargets } from './bad-rows.ts';
import { ACCENTED_CITY_SPELLINGS, STATES, type StateGeography } from './brazil-geography.ts';
import { DAY, HOUR, formatTimestamp, LAST_TRADING_MONTH_INDEX, purchaseSecond, SALES_MONTHS, startOfDay } from './calendar.ts';
import { CATEGORY_MEDIAN_PRICE, CATEGORY_NEIGHBOURHOODS, CATEGORY_PRODUCT_WEIGHTS, PRODUCT_CATEGORIES } from './categories.ts';
import { CsvFileWriter } from '../../../pipelines/workloads/generate/csv-writer.ts';
import { mix32, Random, WeightedChoice, weightedPick } from '../../../pipelines/workloads/generate/random.ts';
import { reviewMessage, reviewTitle } from './review-texts.ts';
import { closedDealRows } from './closed-deals.ts';


const [orders, orderItems, orderPayments, orderReviews, customers, products, sellers, geolocation, productCategoryNameTranslation, closedDeals] = [
  'orders', 'order_items', 'order_payments', 'order_reviews', 'customers', 'products', 'sellers', 'geolocation', 'product_category_name_translation', 'closed_deals',
].map(olistTable) as [DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition, DatasetDefinition];

export { DEFAULT_SEED, MANIFEST_FILE, MAX_BAD_ROWS, MAX_SCALE } from './limits.ts';

/** Row counts of the published dataset; scale 1 reproduces them (random ones approximately). */
export const OLIST_FULL_SIZE = {
  orders: 99_441,
  sellers: 3_095,
  products: 32_951,
  geolocation: 1_000_163,
  zipPrefixes: 19_015,
} as const;

export interface GenerateOlistOptions {
  /** 1 is the size of the published dataset; any number in (0, 20]. */
  readonly scale: number;
  /** @default 42 */
  readonly seed?: number;
  /** Share of rows of each file that are malformed, in [0, 0.5]. @default 0 */
  readonly badRows?: number;
  readonly outDir: string;
  /** Called once per file when it is complete. */
  readonly onProgress?: (progress: FileProgress) => void;
}

export interface FileProgress {
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
}

export interface GeneratedFile {
  /** Data rows (header excluded), bad ones included. */
  readonly rows: number;
  readonly cleanRows: number;
  readonly badRows: Readonly<Record<BadRowKind, number>>;
}

export interface GenerateManifest {
  readonly generator: 'strata generate';
  readonly dataset: 'olist';
  readonly scale: number;
  readonly seed: number;
  readonly badRows: number;
  readonly files: Readonly<Record<string, GeneratedFile>>;
}

/** Where each bad-row kind lands per file; no entry, no such kind for that file. */
const CORRUPTION_TARGETS: ReadonlyMap<DatasetDefinition, CorruptionTargets> = new Map<DatasetDefinition, CorruptionTargets>([
  [orders, { date: 'order_purchase_timestamp', outOfRange: { column: 'order_status', value: () => 'entregue' } }],
  [orderItems, { date: 'shipping_limit_date', number: 'price', outOfRange: { column: 'price', value: negate } }],
  [orderPayments, { number: 'payment_value', outOfRange: { column: 'payment_type', value: () => 'pix' } }],
  [orderReviews, { date: 'review_creation_date', number: 'review_score', outOfRange: { column: 'review_score', value: () => '7' } }],
  [customers, { outOfRange: { column: 'customer_state', value: () => 'XX' } }],
  [products, { number: 'product_weight_g', outOfRange: { column: 'product_weight_g', value: negate } }],
  [sellers, { outOfRange: { column: 'seller_state', value: () => 'XX' } }],
  [geolocation, { number: 'geolocation_lat', outOfRange: { column: 'geolocation_lat', value: (lat) => String(Number(lat) - 120) } }],
  [productCategoryNameTranslation, {}],
  [closedDeals, { date: 'won_date', number: 'declared_monthly_revenue', outOfRange: { column: 'declared_product_catalog_size', value: negate } }],
]);

export function validateGenerateOptions(options: Pick<GenerateOlistOptions, 'scale' | 'seed' | 'badRows'>): void {
  const { scale, seed = DEFAULT_SEED, badRows = 0 } = options;
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new RangeError(`scale must be a number greater than 0 and at most ${MAX_SCALE} (got ${scale})`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be a whole number from 0 to ${0xffffffff} (got ${seed})`);
  }
  if (!Number.isFinite(badRows) || badRows < 0 || badRows > MAX_BAD_ROWS) {
    throw new RangeError(`bad rows must be a fraction from 0 to ${MAX_BAD_ROWS} (got ${badRows})`);
  }
}

export async function generateOlist(options: GenerateOlistOptions): Promise<GenerateManifest> {
  validateGenerateOptions(options);
  const seed = options.seed ?? DEFAULT_SEED;
  const badRowFraction = options.badRows ?? 0;
  mkdirSync(options.outDir, { recursive: true });
  const files: Record<string, GeneratedFile> = {};

  const open = (dataset: DatasetDefinition) =>
    new RowSink(
      new CsvFileWriter(join(options.outDir, dataset.sourceFile!), dataset.columns.map((column) => column.name)),
      dataset,
      CORRUPTION_TARGETS.get(dataset)!,
      badRowFraction,
      seed,
    );
  const close = async (sink: RowSink) => {
    await sink.writer.close();
    const file = sink.writer.path.slice(options.outDir.length).replace(/^[\\/]+/, '');
    files[file] = { rows: sink.writer.rows, cleanRows: sink.cleanRows, badRows: { ...sink.injected } };
    options.onProgress?.({ file, rows: sink.writer.rows, bytes: sink.writer.bytes, seconds: (performance.now() - sink.started) / 1000 });
  };

  const count = (fullSize: number) => Math.max(1, Math.round(fullSize * options.scale));

  const translation = open(productCategoryNameTranslation);
  for (const [portuguese, english] of PRODUCT_CATEGORIES) await translation.row([portuguese, english]);
  await close(translation);

  const zips = buildZipCatalog(seed, Math.min(40_000, Math.max(60, count(OLIST_FULL_SIZE.zipPrefixes))));
  await writeGeolocation(open(geolocation), zips, count(OLIST_FULL_SIZE.geolocation), seed, close);

  const sellerPlan = planSellers(seed, count(OLIST_FULL_SIZE.sellers), zips);
  const sellerSink = open(sellers);
  for (let s = 0; s < sellerPlan.ids.length; s++) {
    const zip = zips.entries[sellerPlan.zip[s]!]!;
    await sellerSink.row([sellerPlan.ids[s]!, zip.prefix, zip.city, zip.state.state]);
  }
  await close(sellerSink);

  const dealSink = open(closedDeals);
  for (const row of closedDealRows(new Random(seed, 'closed-deals'), sellerPlan)) await dealSink.row(row);
  await close(dealSink);

  const catalogue = planProducts(seed, Math.max(sellerPlan.ids.length, count(OLIST_FULL_SIZE.products)), sellerPlan);
  const productSink = open(products);
  for (let p = 0; p < catalogue.ids.length; p++) await productSink.row(catalogue.rows[p]!);
  await close(productSink);
  catalogue.rows.length = 0;

  await writeOrders(
    { orders: open(orders), items: open(orderItems), payments: open(orderPayments), reviews: open(orderReviews), customers: open(customers) },
    { seed, orderCount: count(OLIST_FULL_SIZE.orders), zips, sellerPlan, catalogue },
    close,
  );

  const manifest: GenerateManifest = {
    generator: 'strata generate',
    dataset: 'olist',
    scale: options.scale,
    seed,
    badRows: badRowFraction,
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

// ---------------------------------------------------------------- geography

interface ZipEntry {
  readonly prefix: string;
  readonly state: StateGeography;
  readonly city: string;
  readonly latitude: number;
  readonly longitude: number;
  /** How many geolocation rows Olist would have seen for it, relatively. */
  readonly weight: number;
}

interface ZipCatalog {
  /** Sorted by prefix, as Olist's geolocation file is. */
  readonly entries: readonly ZipEntry[];
  /** Catalog indexes per state, in STATES order. */
  readonly byState: readonly (readonly number[])[];
  readonly customerStates: WeightedChoice;
  readonly sellerStates: WeightedChoice;
}

function buildZipCatalog(seed: number, size: number): ZipCatalog {
  const random = new Random(seed, 'zips');
  const taken = new Uint8Array(100_000);
  const drafts: ZipEntry[] = [];
  const stateShare = new WeightedChoice(STATES.map((state) => Math.pow(state.customers, 0.8)));
  const perState = STATES.map(() => 1);
  for (let i = STATES.length; i < size; i++) perState[stateShare.pick(random)]!++;
  STATES.forEach((state, stateIndex) => {
    const cityCentres = state.cities.map((_, cityIndex) => ({
      latitude: cityIndex === 0 ? state.latitude : state.latitude + random.normal() * state.spread * 0.5,
      longitude: cityIndex === 0 ? state.longitude : state.longitude + random.normal() * state.spread * 0.5,
    }));
    // The capital holds most zips, then a long tail of towns.
    const cityChoice = new WeightedChoice(state.cities.map((_, cityIndex) => (cityIndex === 0 ? 4 : 1 / cityIndex)));
    const rangeSize = state.zipLast - state.zipFirst + 1;
    for (let n = 0; n < perState[stateIndex]!; n++) {
      let prefix = state.zipFirst + Math.floor(random.next() * rangeSize);
      // Probe for a free prefix; a state with more zips than its range simply reuses one.
      for (let probe = 0; probe < rangeSize && taken[prefix]; probe++) prefix = state.zipFirst + ((prefix - state.zipFirst + 1) % rangeSize);
      taken[prefix] = 1;
      const cityIndex = cityChoice.pick(random);
      const centre = cityCentres[cityIndex]!;
      drafts.push({
        prefix: String(prefix).padStart(5, '0'),
        state,
        city: state.cities[cityIndex]!,
        latitude: centre.latitude + random.normal() * 0.04,
        longitude: centre.longitude + random.normal() * 0.04,
        weight: random.logNormal(1, 0.8),
      });
    }
  });
  const entries = drafts.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  const byState: number[][] = STATES.map(() => []);
  entries.forEach((entry, index) => byState[STATES.indexOf(entry.state)]!.push(index));
  return {
    entries,
    byState,
    customerStates: new WeightedChoice(STATES.map((state) => state.customers)),
    sellerStates: new WeightedChoice(STATES.map((state) => state.sellers)),
  };
}

function pickZip(random: Random, zips: ZipCatalog, states: WeightedChoice): number {
  const inState = zips.byState[states.pick(random)]!;
  return inState[Math.floor(random.next() * inState.length)]!;
}

async function writeGeolocation(sink: RowSink, zips: ZipCatalog, rows: number, seed: number, close: (sink: RowSink) => Promise<void>) {
  const random = new Random(seed, 'geolocation');
  const totalWeight = zips.entries.reduce((sum, zip) => sum + zip.weight, 0);
  let cumulativeWeight = 0;
  let written = 0;
  for (const zip of zips.entries) {
    cumulativeWeight += zip.weight;
    // Rounding the running total gives exactly `rows` rows overall.
    const upTo = Math.round((cumulativeWeight / totalWeight) * rows);
    const accented = ACCENTED_CITY_SPELLINGS[zip.city];
    for (; written < upTo; written++) {
      const city = accented !== undefined && random.chance(0.08) ? accented : zip.city;
      await sink.row([
        zip.prefix,
        String(zip.latitude + random.normal() * 0.008),
        String(zip.longitude + random.normal() * 0.008),
        city,
        zip.state.state,
      ]);
    }
  }
  await close(sink);
}

// ---------------------------------------------------------------- sellers

interface SellerPlan {
  readonly ids: readonly string[];
  readonly zip: Int32Array;
  /** Relative sales volume: heavy-tailed, a few sellers carry much of the trade. */
  readonly weight: Float64Array;
  /** Month index (in SALES_MONTHS) of the first sale. */
  readonly entry: Int32Array;
  /** Last month index in which the seller may sell; after it they are gone (churn). */
  readonly exit: Int32Array;
  /** Sporadic sellers sell only in the months of this bit mask. */
  readonly activeMonths: Uint32Array;
  /** Struggling sellers ship late and disappoint more often, and leave sooner. */
  readonly struggling: Uint8Array;
  /** Month index from which a leaving seller fades (fewer sales, later deliveries, worse reviews); past the end when none. */
  readonly declineFrom: Int32Array;
}

/** Chance that a seller leaves for good after any month of trade: a steady hazard, the same in every month. */
const MONTHLY_EXIT_HAZARD = 0.035;
/** Struggling sellers leave this many times as often. */
const STRUGGLING_HAZARD_FACTOR = 2.5;
const STRUGGLING_SHARE = 0.2;
/** Most leavers fade over their last months before they stop; the others stop without warning. */
const FADING_SHARE = 0.75;
const DECLINE_MONTHS = 3;
/** Weight kept in the fading months, the furthest from the exit first. */
const DECLINE_WEIGHT = [0.7, 0.45, 0.25] as const;

function planSellers(seed: number, sellerCount: number, zips: ZipCatalog): SellerPlan {
  const random = new Random(seed, 'sellers');
  const ids: string[] = [];
  const zip = new Int32Array(sellerCount);
  const weight = new Float64Array(sellerCount);
  const entry = new Int32Array(sellerCount);
  const exit = new Int32Array(sellerCount);
  const activeMonths = new Uint32Array(sellerCount);
  const struggling = new Uint8Array(sellerCount);
  const declineFrom = new Int32Array(sellerCount);
  const never = SALES_MONTHS.length;
  // Sellers join as the marketplace grows: entry follows volume, flattened.
  const entryChoice = new WeightedChoice(SALES_MONTHS.map((m, index) => (index <= LAST_TRADING_MONTH_INDEX ? Math.pow(m.orders, 0.75) : 0)));
  for (let s = 0; s < sellerCount; s++) {
    ids.push(random.hexId());
    zip[s] = pickZip(random, zips, zips.sellerStates);
    weight[s] = random.logNormal(1, 1.3);
    const first = entryChoice.pick(random);
    entry[s] = first;
    struggling[s] = random.chance(STRUGGLING_SHARE) ? 1 : 0;
    // After each month of trade (the first included) the seller may leave, at the same hazard
    // whatever the month, up to the last month of normal trade: exits never bunch up.
    const hazard = MONTHLY_EXIT_HAZARD * (struggling[s] ? STRUGGLING_HAZARD_FACTOR : 1);
    exit[s] = never - 1;
    for (let m = first; m <= LAST_TRADING_MONTH_INDEX; m++) {
      if (random.chance(hazard)) {
        exit[s] = m;
        break;
      }
    }
    const leaves = exit[s]! < never - 1;
    declineFrom[s] = leaves && random.chance(FADING_SHARE) ? Math.max(first + 1, exit[s]! - DECLINE_MONTHS + 1) : never;
    let mask = 0xffffffff;
    if (random.chance(0.15)) {
      mask = 1 << first;
      for (let m = first + 1; m <= exit[s]!; m++) if (random.chance(0.25)) mask |= 1 << m;
      weight[s] = weight[s]! * 0.5;
    }
    activeMonths[s] = mask >>> 0;
  }
  return { ids, zip, weight, entry, exit, activeMonths, struggling, declineFrom };
}

/** How far into their fade a seller is in a month: 0 before it, 1 to DECLINE_MONTHS within it. */
function fadeStep(plan: SellerPlan, seller: number, monthIndex: number): number {
  const from = plan.declineFrom[seller]!;
  if (monthIndex < from || monthIndex > plan.exit[seller]!) return 0;
  return DECLINE_MONTHS - (plan.exit[seller]! - monthIndex);
}

/** Share of a seller's orders that go wrong (shipped late, a poor review): more when struggling or fading. */
function troubleOf(plan: SellerPlan, seller: number, monthIndex: number): number {
  return (plan.struggling[seller] ? 0.12 : 0) + fadeStep(plan, seller, monthIndex) * 0.1;
}

function tradesIn(plan: SellerPlan, seller: number, monthIndex: number): boolean {
  return plan.entry[seller]! <= monthIndex && monthIndex <= plan.exit[seller]! && ((plan.activeMonths[seller]! >>> monthIndex) & 1) === 1;
}

/** Which sellers trade in a month, weighted by their volume (less in the months before they leave). */
function monthlySellerChoice(plan: SellerPlan, monthIndex: number): { sellers: Int32Array; choice: WeightedChoice } {
  const active: number[] = [];
  for (let s = 0; s < plan.ids.length; s++) if (tradesIn(plan, s, monthIndex)) active.push(s);
  const weightIn = (s: number) => {
    const step = fadeStep(plan, s, monthIndex);
    return plan.weight[s]! * (step === 0 ? 1 : DECLINE_WEIGHT[step - 1]!);
  };
  return { sellers: Int32Array.from(active), choice: new WeightedChoice(active.map(weightIn)) };
}

// ---------------------------------------------------------------- products

interface Catalogue {
  readonly ids: readonly string[];
  readonly priceCents: Int32Array;
  readonly weightGrams: Int32Array;
  /** Products of seller s are productsOf[offsets[s] .. offsets[s+1]). */
  readonly offsets: Int32Array;
  readonly productsOf: Int32Array;
  readonly sellerOf: Int32Array;
  /** Index in PRODUCT_CATEGORIES of each product's category (drawn for unlisted products too). */
  readonly categoryOf: Uint8Array;
  /** Products of category c: productsIn[categoryOffsets[c] .. categoryOffsets[c + 1]). */
  readonly categoryOffsets: Int32Array;
  readonly productsIn: Int32Array;
  /** CSV fields, dropped once written. */
  readonly rows: string[][];
}

function planProducts(seed: number, productCount: number, sellerPlan: SellerPlan): Catalogue {
  const random = new Random(seed, 'products');
  const sellerCount = sellerPlan.ids.length;
  const sellerOf = new Int32Array(productCount);
  const sellerChoice = new WeightedChoice(Array.from(sellerPlan.weight, (weight) => Math.pow(weight, 0.7)));
  for (let p = 0; p < productCount; p++) {
    // Every seller lists at least one product; the rest follow volume.
    const seller = p < sellerCount ? p : sellerChoice.pick(random);
    sellerOf[p] = seller;
  }
  const { offsets, members: productsOf } = groupedBy(sellerOf, sellerCount);

  const categoryChoice = new WeightedChoice(PRODUCT_CATEGORIES.map(([name]) => CATEGORY_PRODUCT_WEIGHTS[name] ?? 60));
  const ids: string[] = [];
  const priceCents = new Int32Array(productCount);
  const weightGrams = new Int32Array(productCount);
  const rows: string[][] = [];
  const categoryOf = new Uint8Array(productCount);
  for (let p = 0; p < productCount; p++) {
    const id = random.hexId();
    categoryOf[p] = categoryChoice.pick(random);
    const category = PRODUCT_CATEGORIES[categoryOf[p]!]![0];
    const median = CATEGORY_MEDIAN_PRICE[category] ?? 75;
    priceCents[p] = Math.round(clamp(random.logNormal(median, 0.85), 0.85, 6735) * 100);
    // Prices end in .90 or .99 more often than not, as shop prices do.
    if (priceCents[p]! > 1000 && random.chance(0.5)) priceCents[p] = Math.floor(priceCents[p]! / 100) * 100 + (random.chance(0.5) ? 90 : 99);
    const grams = Math.round(clamp(random.logNormal(700, 1.2), 50, 40_000));
    weightGrams[p] = grams;
    const side = Math.cbrt(grams) * 2.2;
    const dimension = (low: number) => String(Math.round(clamp(side * random.logNormal(1, 0.35), low, 105)));
    // Olist lists ~2% of products without category or listing details.
    const unlisted = random.chance(0.0185);
    ids.push(id);
    rows.push([
      id,
      unlisted ? '' : category,
      unlisted ? '' : String(random.int(5, 76)),
      unlisted ? '' : String(Math.round(clamp(random.logNormal(600, 0.7), 4, 3992))),
      unlisted ? '' : String(weightedPick(random, [[1, 50], [2, 20], [3, 12], [4, 8], [5, 5], [6, 5]] as const)),
      String(grams),
      dimension(16),
      dimension(2),
      dimension(6),
    ]);
  }
  const { offsets: categoryOffsets, members: productsIn } = groupedBy(categoryOf, PRODUCT_CATEGORIES.length);
  return { ids, priceCents, weightGrams, offsets, productsOf, sellerOf, categoryOf, categoryOffsets, productsIn, rows };
}

/** Indexes 0..n-1 grouped by their group: group g's are members[offsets[g] .. offsets[g + 1]), in increasing order. */
function groupedBy(groupOf: Int32Array | Uint8Array, groupCount: number): { offsets: Int32Array; members: Int32Array } {
  const offsets = new Int32Array(groupCount + 1);
  for (const group of groupOf) offsets[group + 1]!++;
  for (let g = 0; g < groupCount; g++) offsets[g + 1]! += offsets[g]!;
  const fill = offsets.slice(0, groupCount);
  const members = new Int32Array(groupOf.length);
  for (let index = 0; index < groupOf.length; index++) members[fill[groupOf[index]!]!++] = index;
  return { offsets, members };
}

// ---------------------------------------------------------------- orders

type OrderStatus = (typeof ORDER_STATUSES)[number];

const STATUS_MIX: readonly (readonly [OrderStatus, number])[] = [
  ['delivered', 96_478], ['shipped', 1_107], ['canceled', 625], ['unavailable', 609],
  ['invoiced', 314], ['processing', 301], ['created', 5], ['approved', 2],
];
// Olist's last weeks: orders placed but mostly canceled before anything shipped.
const TAIL_STATUS_MIX: readonly (readonly [OrderStatus, number])[] = [['canceled', 80], ['shipped', 10], ['created', 5], ['delivered', 5]];

const ITEMS_PER_ORDER: readonly (readonly [number, number])[] = [[1, 0.899], [2, 0.076], [3, 0.0137], [4, 0.0051], [5, 0.0019], [6, 0.0025], [10, 0.0004], [21, 0.00005]];

const INSTALLMENTS: readonly (readonly [number, number])[] = [[1, 50], [2, 12], [3, 11], [4, 7], [5, 5], [6, 4], [7, 1.6], [8, 4.5], [9, 0.6], [10, 5.5]];

// Review score weights: on time, late, never delivered.
const SCORES_ON_TIME: readonly (readonly [number, number])[] = [[5, 61.5], [4, 20.5], [3, 8], [2, 2.5], [1, 7]];
const SCORES_LATE: readonly (readonly [number, number])[] = [[5, 25], [4, 12], [3, 11], [2, 8], [1, 44]];
const SCORES_NOT_DELIVERED: readonly (readonly [number, number])[] = [[5, 10], [4, 4], [3, 8], [2, 8], [1, 70]];

/** Far from the São Paulo warehouses deliveries take longer. */
const TRANSIT_FACTOR: Readonly<Record<string, number>> = { SP: 0.55, RJ: 0.9, MG: 0.85, PR: 0.9, SC: 1, RS: 1.1, DF: 1, GO: 1, ES: 1 };

interface Sinks {
  readonly orders: RowSink;
  readonly items: RowSink;
  readonly payments: RowSink;
  readonly reviews: RowSink;
  readonly customers: RowSink;
}

interface OrderWorld {
  readonly seed: number;
  readonly orderCount: number;
  readonly zips: ZipCatalog;
  readonly sellerPlan: SellerPlan;
  readonly catalogue: Catalogue;
}

/** Orders per month in proportion to Olist's, summing exactly to the total (largest remainder). */
function ordersPerMonth(total: number): number[] {
  const olistTotal = SALES_MONTHS.reduce((sum, m) => sum + m.orders, 0);
  const exact = SALES_MONTHS.map((m) => (m.orders / olistTotal) * total);
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact.map((value, index) => [value - Math.floor(value), index] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, index] of byRemainder) {
    if (missing-- <= 0) break;
    counts[index]!++;
  }
  return counts;
}

async function writeOrders(sinks: Sinks, world: OrderWorld, close: (sink: RowSink) => Promise<void>) {
  const { seed, zips, sellerPlan, catalogue } = world;
  const random = new Random(seed, 'orders');
  const paymentRandom = new Random(seed, 'payments');
  const reviewRandom = new Random(seed, 'reviews');
  const monthCounts = ordersPerMonth(world.orderCount);
  const sellersByEntry: number[][] = SALES_MONTHS.map(() => []);
  for (let s = 0; s < sellerPlan.ids.length; s++) sellersByEntry[sellerPlan.entry[s]!]!.push(s);
  let newcomers: number[] = [];
  let people = 0;
  // Its own stream: choosing a shelf takes no draw from the orders' stream (the seller it leads to may still change
  // that order's troubles, and so what follows).
  const shelfRandom = new Random(seed, 'shelves');
  const lastShelf = new Uint8Array(world.orderCount).fill(NO_SHELF);

  for (let monthIndex = 0; monthIndex < SALES_MONTHS.length; monthIndex++) {
    const salesMonth = SALES_MONTHS[monthIndex]!;
    const trading = monthlySellerChoice(sellerPlan, monthIndex);
    // A seller's entry month is the month of their first sale; those who found no order yet wait for the next month.
    newcomers = [...newcomers, ...sellersByEntry[monthIndex]!].filter((s) => sellerPlan.exit[s]! >= monthIndex);
    let nextNewcomer = 0;
    const tail = monthIndex > LAST_TRADING_MONTH_INDEX;

    for (let n = 0; n < monthCounts[monthIndex]!; n++) {
      const purchase = purchaseSecond(random, salesMonth);
      const status = weightedPick(random, tail ? TAIL_STATUS_MIX : STATUS_MIX);
      const orderId = random.hexId();
      const customerId = random.hexId();

      // About 3% of orders come from someone who bought before.
      const returning = people > 0 && random.chance(0.034);
      const person = returning ? random.int(0, people - 1) : people++;
      const customer = personOf(seed, person, zips);
      await sinks.customers.row([customerId, customer.uniqueId, customer.zip.prefix, customer.zip.city, customer.zip.state.state]);

      const paymentType = choosePaymentType(paymentRandom);
      const toNewcomer = status !== 'unavailable' && nextNewcomer < newcomers.length;
      // Olist has no items for orders the sellers could not fulfil.
      let firstSeller =
        status === 'unavailable'
          ? undefined
          : toNewcomer
            ? newcomers[nextNewcomer++]!
            : trading.sellers.length > 0
              ? trading.sellers[trading.choice.pick(random)]!
              : random.int(0, sellerPlan.ids.length - 1);
      // A returning customer often comes back to a shelf they bought from, or to a neighbouring one, at any seller trading
      // this month; a newcomer's first sale stays theirs.
      const shelfProduct =
        returning && firstSeller !== undefined && !toNewcomer ? productOnShelf(shelfRandom, catalogue, sellerPlan, returningShelf(shelfRandom, lastShelf[person]!), monthIndex) : undefined;
      if (shelfProduct !== undefined) firstSeller = catalogue.sellerOf[shelfProduct]!;
      // The seller's troubles show as late deliveries and poor reviews.
      const trouble = firstSeller === undefined ? 0 : troubleOf(sellerPlan, firstSeller, monthIndex);
      const approved =
        status === 'created'
          ? undefined
          : purchase + (paymentType === 'boleto' ? random.int(20 * HOUR, 72 * HOUR) : random.chance(0.75) ? random.int(8 * 60, 3600) : random.int(HOUR, 30 * HOUR));
      const transitFactor = (TRANSIT_FACTOR[customer.zip.state.state] ?? 1.6) * (random.chance(0.1 + trouble) ? 2 + 2 * random.next() : 1);
      const carrier = approved === undefined ? undefined : approved + Math.round(random.logNormal(2.2, 0.6) * DAY);
      const delivered = carrier === undefined ? undefined : carrier + Math.round(random.logNormal(7, 0.45) * transitFactor * DAY);
      const promisedDays = Math.round((TRANSIT_FACTOR[customer.zip.state.state] ?? 1.6) * 11 + 10 + random.int(-3, 5));
      const estimated = startOfDay(purchase) + promisedDays * DAY;
      const hasCarrier = status === 'delivered' || status === 'shipped' || (status === 'canceled' && random.chance(0.1));
      const isDelivered = status === 'delivered';
      await sinks.orders.row([
        orderId,
        customerId,
        status,
        formatTimestamp(purchase),
        approved === undefined || (status === 'canceled' && random.chance(0.15)) ? '' : formatTimestamp(approved),
        hasCarrier ? formatTimestamp(carrier!) : '',
        isDelivered ? formatTimestamp(delivered!) : '',
        formatTimestamp(estimated),
      ]);

      let totalCents = 0;
      if (firstSeller !== undefined) {
        const itemCount = weightedPick(random, ITEMS_PER_ORDER);
        let seller = firstSeller;
        // Drawn even when the shelf chose, to keep the orders' stream in step.
        let product = pickProduct(random, catalogue, seller);
        if (shelfProduct !== undefined) product = shelfProduct;
        lastShelf[person] = catalogue.categoryOf[product]!;
        const shippingLimit = (approved ?? purchase) + random.int(2 * DAY, 7 * DAY);
        for (let item = 1; item <= itemCount; item++) {
          if (item > 1) {
            const draw = random.next();
            if (draw >= 0.6 && draw < 0.95) product = pickProduct(random, catalogue, seller);
            else if (draw >= 0.95 && trading.sellers.length > 0) {
              seller = trading.sellers[trading.choice.pick(random)]!;
              product = pickProduct(random, catalogue, seller);
            }
          }
          const price = catalogue.priceCents[product]!;
          const freight = Math.round((random.logNormal(13, 0.35) + catalogue.weightGrams[product]! / 1000 * 1.2) * transitFactorForFreight(customer.zip.state.state) * 100);
          totalCents += price + freight;
          await sinks.items.row([orderId, String(item), catalogue.ids[product]!, sellerPlan.ids[seller]!, formatTimestamp(shippingLimit), money(price), money(freight)]);
        }
      } else {
        totalCents = Math.round(random.logNormal(110, 0.8) * 100);
      }

      let sequential = 1;
      for (const payment of splitPayment(paymentRandom, paymentType, totalCents)) {
        await sinks.payments.row([orderId, String(sequential++), payment.type, String(payment.installments), money(payment.cents)]);
      }

      if (reviewRandom.chance(0.9978)) {
        const late = isDelivered && delivered! > estimated + DAY;
        const disappointed = late || (isDelivered && trouble > 0 && reviewRandom.chance(trouble));
        const score = weightedPick(reviewRandom, isDelivered ? (disappointed ? SCORES_LATE : SCORES_ON_TIME) : SCORES_NOT_DELIVERED);
        // The survey goes out the day after delivery, or when the promised date has passed.
        const created = startOfDay(isDelivered ? delivered! : Math.max(estimated, purchase + 2 * DAY)) + DAY;
        const answered = created + Math.round(reviewRandom.logNormal(1.3, 0.9) * DAY) + reviewRandom.int(0, 3599);
        await sinks.reviews.row([
          reviewRandom.hexId(),
          orderId,
          String(score),
          reviewTitle(reviewRandom, score),
          reviewMessage(reviewRandom, score),
          formatTimestamp(created),
          formatTimestamp(answered),
        ]);
      }
    }
  }
  for (const sink of [sinks.orders, sinks.items, sinks.payments, sinks.reviews, sinks.customers]) await close(sink);
}

/** The person behind customer_unique_id: derived from their number, so repeat buyers need no memory. */
function personOf(seed: number, person: number, zips: ZipCatalog): { uniqueId: string; zip: ZipEntry } {
  const random = new Random(mix32(seed ^ mix32(person + 0x51ed27)), 'person');
  return { uniqueId: random.hexId(), zip: zips.entries[pickZip(random, zips, zips.customerStates)]! };
}

const NO_SHELF = 255;
const SAME_SHELF = 0.4;
const NEIGHBOURING_SHELF = 0.25;
const NEIGHBOURS: readonly (readonly number[])[] = PRODUCT_CATEGORIES.map(([name]) => {
  const group = CATEGORY_NEIGHBOURHOODS.find((names) => names.includes(name)) ?? [];
  return group.filter((other) => other !== name).map((other) => PRODUCT_CATEGORIES.findIndex(([each]) => each === other));
});

/** The category a returning customer looks for: the last one they bought, a neighbour of it, or none (NO_SHELF). */
function returningShelf(random: Random, last: number): number {
  if (last === NO_SHELF) return NO_SHELF;
  const draw = random.next();
  if (draw < SAME_SHELF) return last;
  const neighbours = NEIGHBOURS[last]!;
  if (draw < SAME_SHELF + NEIGHBOURING_SHELF && neighbours.length > 0) return neighbours[random.int(0, neighbours.length - 1)]!;
  return NO_SHELF;
}

/** A product of the category whose seller trades this month; undefined when a few tries find none. */
function productOnShelf(random: Random, catalogue: Catalogue, plan: SellerPlan, category: number, monthIndex: number): number | undefined {
  if (category === NO_SHELF) return undefined;
  const first = catalogue.categoryOffsets[category]!;
  const listed = catalogue.categoryOffsets[category + 1]! - first;
  for (let attempt = 0; attempt < 20 && listed > 0; attempt++) {
    const product = catalogue.productsIn[first + random.int(0, listed - 1)]!;
    if (tradesIn(plan, catalogue.sellerOf[product]!, monthIndex)) return product;
  }
  return undefined;
}

function pickProduct(random: Random, catalogue: Catalogue, seller: number): number {
  const first = catalogue.offsets[seller]!;
  const listed = catalogue.offsets[seller + 1]! - first;
  // A seller's first products sell most: squaring the draw favours low indexes.
  const draw = random.next();
  return catalogue.productsOf[first + Math.floor(listed * draw * draw)]!;
}

function transitFactorForFreight(state: string): number {
  return state === 'SP' ? 0.8 : TRANSIT_FACTOR[state] !== undefined ? 1 : 1.5;
}

type PaymentType = 'credit_card' | 'boleto' | 'voucher' | 'debit_card';

function choosePaymentType(random: Random): PaymentType {
  return weightedPick<PaymentType>(random, [['credit_card', 77.2], ['boleto', 19.9], ['debit_card', 1.54], ['voucher', 1.34]]);
}

/** One order's payments; several when vouchers pay part of it. The values always sum to the order total. */
function splitPayment(random: Random, primary: PaymentType, totalCents: number): { type: PaymentType; installments: number; cents: number }[] {
  if (primary === 'boleto' || primary === 'debit_card') return [{ type: primary, installments: 1, cents: totalCents }];
  const voucherCount = primary === 'voucher' ? weightedPick(random, [[1, 70], [2, 20], [3, 10]] as const) : random.chance(0.038) ? weightedPick(random, [[1, 75], [2, 17], [3, 8]] as const) : 0;
  const payments: { type: PaymentType; installments: number; cents: number }[] = [];
  let remaining = totalCents;
  if (primary === 'credit_card') {
    const cardShare = voucherCount === 0 ? 1 : 0.5 + 0.45 * random.next();
    const cardCents = Math.max(1, Math.round(totalCents * cardShare));
    const installments = totalCents < 5000 && random.chance(0.6) ? 1 : weightedPick(random, INSTALLMENTS);
    payments.push({ type: 'credit_card', installments, cents: Math.min(cardCents, totalCents) });
    remaining -= payments[0]!.cents;
  }
  for (let v = 0; v < voucherCount && remaining > 0; v++) {
    const last = v === voucherCount - 1;
    const cents = last ? remaining : Math.max(1, Math.round(remaining * (0.3 + 0.4 * random.next())));
    payments.push({ type: 'voucher', installments: 1, cents });
    remaining -= cents;
  }
  if (remaining > 0) payments[payments.length - 1]!.cents += remaining;
  return payments;
}

/** Olist's numbers: shortest decimal, at least one digit after the point (99.9, 144.0, 8.77). */
function money(cents: number): string {
  return cents % 100 === 0 ? `${cents / 100}.0` : String(cents / 100);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
