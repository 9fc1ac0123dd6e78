/**
 * The seller feature store and the ML tables, in refined: one row per seller
 * and monthly snapshot (`dt_reference`), built by the SQL in
 * sql/features/ (one file per table) and sql/ml/ of this workload.
 *
 * The retrain flow builds these, the process flow does not. Column descriptions become Glue column comments, so they say
 * what a value means, over which rows, and when it is NULL.
 */
import type { ColumnDefinition, DatasetDefinition, PartitionDefinition } from '../../pipelines/datasets/dataset.ts';
import { BRAZILIAN_STATES, PAYMENT_TYPES } from './values.ts';

/** The first snapshot that can hold rows: the month after Olist's first order (2016-09). */
export const FIRST_SNAPSHOT = '2016-10-01';
/** Months of sales before a snapshot that its features describe. */
export const WINDOW_MONTHS = 6;
/**
 * A seller is active at a snapshot when their last sale is at most this many
 * days old, and has churned when no sale follows within this many days of
 * that last sale.
 */
export const ACTIVE_DAYS = 45;

/**
 * The 15 largest Olist categories by items sold (rows of
 * olist_order_items_dataset.csv joined to the product's category, full
 * published dataset): cama_mesa_banho 11,115 items, beleza_saude 9,670 ...
 * eletronicos 2,767. The vendored 8% sample (tests/fixtures/olist-sample)
 * ranks the same 15 first. Fixed on purpose: a list recomputed per run would
 * change the feature columns, and a model's inputs, whenever the ranking moved.
 */
export const TOP_CATEGORIES = [
  'cama_mesa_banho',
  'beleza_saude',
  'esporte_lazer',
  'moveis_decoracao',
  'informatica_acessorios',
  'utilidades_domesticas',
  'relogios_presentes',
  'telefonia',
  'ferramentas_jardim',
  'automotivo',
  'brinquedos',
  'cool_stuff',
  'perfumaria',
  'bebes',
  'eletronicos',
] as const;

/**
 * Payment types that get their own columns. `not_defined` (an accepted value
 * in trusted) is left out: Olist has three such payments, all of value 0, so
 * its columns would be constant. It still counts in the totals.
 */
export const FEATURE_PAYMENT_TYPES = PAYMENT_TYPES.filter((type) => type !== 'not_defined');

const WINDOW = `the ${WINDOW_MONTHS} months before dt_reference`;

const snapshotPartition: PartitionDefinition = { column: 'dt_reference', kind: 'date', derivedFrom: 'dt_reference', firstDate: FIRST_SNAPSHOT };

const SELLER: ColumnDefinition = { name: 'seller_id', type: 'string', required: true, description: 'Seller.' };

/**
 * Columns that identify a feature row: the seller and the snapshot. The
 * snapshot is the partition (folder `dt_reference=yyyy-MM-dd`), so it is not
 * among a feature table's stored columns.
 */
export const FEATURE_KEYS = ['seller_id', 'dt_reference'] as const;

const count = (name: string, description: string): ColumnDefinition => ({ name, type: 'bigint', range: { min: 0 }, description });
const number = (name: string, description: string): ColumnDefinition => ({ name, type: 'double', description });
const share = (name: string, description: string): ColumnDefinition => ({ name, type: 'double', range: { min: 0, max: 1 }, description });

function featureTable(name: string, description: string, features: readonly ColumnDefinition[]): DatasetDefinition {
  return {
    name,
    layer: 'refined',
    description: `${description} One row per seller with at least one sale in ${WINDOW}, per snapshot.`,
    primaryKey: [...FEATURE_KEYS],
    columns: [SELLER, ...features],
    partition: snapshotPartition,
  };
}

export const fsSellerSales = featureTable('fs_seller_sales', 'Seller sales: volume, recency, ticket, prices and lifetime.', [
  count('orders', `Orders with at least one item of the seller, purchased in ${WINDOW} (any status).`),
  count('distinct_sale_days', 'Distinct purchase dates among those orders.'),
  count('items', 'Items of the seller in those orders.'),
  number('revenue', 'Sum of the seller’s item prices in those orders, BRL.'),
  count('recency_days', 'Days from the seller’s last sale in the window to dt_reference (1 = the day before).'),
  number('avg_ticket', 'Revenue per order, BRL: the seller’s items only.'),
  number('avg_item_price', 'Average price of the seller’s items, BRL.'),
  number('min_item_price', 'Cheapest item sold, BRL.'),
  number('max_item_price', 'Dearest item sold, BRL.'),
  number('items_per_order', 'Items of the seller per order.'),
  number('min_order_value', 'Smallest order, counting the seller’s items only, BRL.'),
  number('max_order_value', 'Largest order, counting the seller’s items only, BRL.'),
  number('lifetime_value', 'Sum of the seller’s item prices over every order before dt_reference, BRL.'),
  count('days_since_first_sale', 'Days from the seller’s first sale ever to dt_reference.'),
  number('avg_days_between_sales', 'Average gap in days between consecutive distinct sale dates in the window; NULL with a single sale date.'),
]);

export const fsSellerReviews = featureTable('fs_seller_reviews', 'Seller reviews: the scores customers gave the seller’s orders.', [
  number('avg_review_score', `Average score (1-5) of the seller’s orders in ${WINDOW}, one score per order (its latest review known before dt_reference); NULL without reviews.`),
  number('median_review_score', 'Median of those scores (Athena: approximate percentile); NULL without reviews.'),
  number('min_review_score', 'Lowest of those scores; NULL without reviews.'),
  number('max_review_score', 'Highest of those scores; NULL without reviews.'),
  share('share_orders_reviewed', 'Share of the seller’s orders in the window with a review known before dt_reference.'),
]);

export const fsSellerCustomers = featureTable('fs_seller_customers', 'Seller customers: how many, and where they are.', [
  count('distinct_customers', `People (customer_unique_id) who bought from the seller in ${WINDOW}.`),
  count('distinct_states', 'States (UF) the seller sold to in the window.'),
  ...BRAZILIAN_STATES.map((state) =>
    share(`share_orders_${state.toLowerCase()}`, `Share of the seller’s orders in the window delivered to ${state}, of those with a known customer state; NULL when none is known.`),
  ),
]);

export const fsSellerDelivery = featureTable('fs_seller_delivery', 'Seller delivery: lateness, cancellations, freight and lead times.', [
  share('share_late', `Of the seller’s orders in ${WINDOW} delivered before dt_reference with a promised date, the share delivered after the promised day; NULL when none.`),
  share('share_canceled', 'Share of the seller’s orders in the window with status canceled (status as of the last load).'),
  number('avg_freight_per_order', 'Average freight of the seller’s items per order, BRL.'),
  number('min_freight_per_order', 'Smallest freight of the seller’s items in an order, BRL.'),
  number('max_freight_per_order', 'Largest freight of the seller’s items in an order, BRL.'),
  number('avg_days_approved_to_delivered', 'Average days from payment approval to delivery, orders delivered before dt_reference; NULL when none.'),
  number('avg_days_purchase_to_delivered', 'Average days from purchase to delivery, orders delivered before dt_reference; NULL when none.'),
  number('avg_days_delivered_vs_promised', 'Average days between the promised and the actual delivery date; negative = early. NULL when none delivered.'),
]);

export const fsSellerPayments = featureTable(
  'fs_seller_payments',
  'Seller payments: how the seller’s orders were paid. An order’s payments are split between its sellers in proportion to their share of the order’s item value.',
  [
    number('payments', `Payments of the seller’s orders in ${WINDOW}, each weighted by the seller’s share of its order’s item value.`),
    number('payment_value', 'Value of those payments attributed to the seller, BRL.'),
    ...FEATURE_PAYMENT_TYPES.flatMap((type) => [
      number(`payments_${type}`, `Attributed payments made by ${type}.`),
      number(`payment_value_${type}`, `Attributed value paid by ${type}, BRL.`),
      share(`share_payments_${type}`, `Share of the attributed payments made by ${type}; NULL without payments.`),
      share(`share_payment_value_${type}`, `Share of the attributed value paid by ${type}; NULL without payments.`),
    ]),
    number('avg_installments_credit_card', 'Average installments of the credit-card payments of the seller’s orders; NULL without any.'),
    number('max_installments_credit_card', 'Most installments of a credit-card payment of the seller’s orders; NULL without any.'),
  ],
);

export const fsSellerProducts = featureTable('fs_seller_products', 'Seller products: listing quality, package sizes and category mix.', [
  count('distinct_products', `Distinct products among the seller’s items in ${WINDOW}.`),
  count('distinct_categories', 'Distinct known categories among those items.'),
  number('avg_photos', 'Average photos published per item sold; NULL when no product states it.'),
  number('avg_product_volume_cm3', 'Average package volume (length x height x width, cm³) per item sold.'),
  number('min_product_volume_cm3', 'Smallest package volume sold, cm³.'),
  number('max_product_volume_cm3', 'Largest package volume sold, cm³.'),
  ...TOP_CATEGORIES.map((category) => share(`share_items_${category}`, `Share of the seller’s items in the window in category ${category}.`)),
  share('share_items_other', 'Share of the seller’s items in the window outside the top 15 categories, or without a category.'),
]);

/** The six feature tables, in the order the snapshot join reads them. */
export const FEATURE_DATASETS: readonly DatasetDefinition[] = [fsSellerSales, fsSellerReviews, fsSellerCustomers, fsSellerDelivery, fsSellerPayments, fsSellerProducts];

/** The numeric columns of a feature table: all but the seller (the snapshot is the partition). */
export function featureColumns(dataset: DatasetDefinition): ColumnDefinition[] {
  return dataset.columns.filter((column) => !(FEATURE_KEYS as readonly string[]).includes(column.name));
}

/** Every feature of a seller at a snapshot, in table order: the columns of the ABT, the segment base and scoring. */
export const SNAPSHOT_FEATURES: readonly ColumnDefinition[] = FEATURE_DATASETS.flatMap(featureColumns);

export { SPLITS, type Split } from '../../pipelines/models/model.ts';
import { SPLITS } from '../../pipelines/models/model.ts';

export const abtChurn: DatasetDefinition = {
  name: 'abt_churn',
  layer: 'refined',
  description:
    `Seller churn analytical base table: one row per seller active at a snapshot (last sale at most ${ACTIVE_DAYS} days before it) ` +
    `whose ${ACTIVE_DAYS}-day horizon lies inside the data, with the churn label, the split and every feature.`,
  primaryKey: ['seller_id', 'dt_reference'],
  columns: [
    SELLER,
    { name: 'dt_reference', type: 'date', required: true, description: 'Snapshot date (first of a month).' },
    {
      name: 'churn',
      type: 'int',
      required: true,
      acceptedValues: ['0', '1'],
      description: `1 unless the seller sells again on or after dt_reference within ${ACTIVE_DAYS} days of their last sale before it.`,
    },
    {
      name: 'split',
      type: 'string',
      required: true,
      acceptedValues: SPLITS,
      description: 'Which set the row belongs to. train, test: in-time rows, split stratified by churn with a seeded hash; oot: the out-of-time snapshots.',
    },
    ...SNAPSHOT_FEATURES,
  ],
};

export const segmentBase: DatasetDefinition = {
  name: 'segment_base',
  layer: 'refined',
  description: `Seller segmentation base: every seller active at the latest snapshot (last sale at most ${ACTIVE_DAYS} days before it), with every feature.`,
  primaryKey: ['seller_id', 'dt_reference'],
  columns: [SELLER, { name: 'dt_reference', type: 'date', required: true, description: 'The latest snapshot date.' }, ...SNAPSHOT_FEATURES],
};

/** Scores are stored per scoring date: the snapshot scored (dt_reference of its features). */
const scorePartition = (firstDate: string): PartitionDefinition => ({ column: 'dt_score', kind: 'date', derivedFrom: 'dt_score', firstDate });

/** The model that scored: a column, so a scoring date's partition is rewritten in one commit (lambdas/ml/score-model.ts). */
const modelColumn = (model: string): ColumnDefinition => ({ name: 'model', type: 'string', required: true, acceptedValues: [model], description: 'Model that scored.' });

export const churnScores: DatasetDefinition = {
  name: 'churn_scores',
  layer: 'refined',
  description: 'Churn probability of every seller active at the latest snapshot, from the champion model; one partition per scoring date.',
  primaryKey: ['seller_id', 'dt_score'],
  columns: [
    { name: 'seller_id', type: 'string', required: true, description: 'Seller.' },
    { name: 'score', type: 'double', required: true, range: { min: 0, max: 1 }, description: 'Probability that the seller churns (no sale within 45 days of their last).' },
    { name: 'class', type: 'int', required: true, acceptedValues: ['0', '1'], description: '1 when the score is at or above the configured threshold (models.classifier.threshold).' },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the model that scored.' },
    modelColumn('seller-churn'),
  ],
  partition: scorePartition(FIRST_SNAPSHOT),
};

export const churnWatchlist: DatasetDefinition = {
  name: 'churn_watchlist',
  layer: 'refined',
  description: 'The retention team’s list: sellers classed as churning at a scoring date, highest score first, with the facts a call needs.',
  primaryKey: ['seller_id', 'dt_score'],
  columns: [
    { name: 'seller_id', type: 'string', required: true, description: 'Seller.' },
    { name: 'rank', type: 'int', required: true, range: { min: 1 }, description: 'Position on the list: 1 = highest churn score.' },
    { name: 'score', type: 'double', required: true, range: { min: 0, max: 1 }, description: 'Churn probability.' },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the model that scored.' },
    { name: 'recency_days', type: 'bigint', description: 'Days since the seller’s last sale, at the snapshot.' },
    { name: 'orders', type: 'bigint', description: `Orders in the ${WINDOW_MONTHS} months before the snapshot.` },
    { name: 'revenue', type: 'double', description: `Revenue in the ${WINDOW_MONTHS} months before the snapshot, BRL.` },
    { name: 'lifetime_value', type: 'double', description: 'Revenue of every order before the snapshot, BRL.' },
    { name: 'avg_review_score', type: 'double', description: 'Average review score in the window.' },
    { name: 'share_late', type: 'double', description: 'Share of delivered orders delivered late in the window.' },
  ],
  partition: scorePartition(FIRST_SNAPSHOT),
};

export const sellerSegments: DatasetDefinition = {
  name: 'seller_segments',
  layer: 'refined',
  description: 'Segment (k-means cluster) of every seller active at the latest snapshot, from the champion clustering; one partition per scoring date.',
  primaryKey: ['seller_id', 'dt_score'],
  columns: [
    { name: 'seller_id', type: 'string', required: true, description: 'Seller.' },
    { name: 'segment', type: 'int', required: true, range: { min: 0 }, description: 'Segment number (cluster index, from 0); numbers are not comparable across model versions.' },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the clustering that assigned it.' },
    modelColumn('seller-segments'),
  ],
  partition: scorePartition(FIRST_SNAPSHOT),
};

/** Training sets and model outputs, built by the retrain flow. */
export const ML_DATASETS: readonly DatasetDefinition[] = [abtChurn, segmentBase, churnScores, churnWatchlist, sellerSegments];

/** A feature store or ML dataset by name; fails listing the names that exist. */
export function mlDatasetNamed(name: string): DatasetDefinition {
  const all = [...FEATURE_DATASETS, ...ML_DATASETS];
  const dataset = all.find((candidate) => candidate.name === name);
  if (!dataset) throw new RangeError(`no feature store or ML dataset "${name}"; known: ${all.map((candidate) => candidate.name).join(', ')}`);
  return dataset;
}
