/**
 * The order-delay model's tables, in refined: its training set
 * (`abt_order_delay`, one row per delivered order whose promised date lies
 * inside the data) and its scores (`order_delay_scores`), built by the SQL
 * in sql/ml/ of this workload (order_delay_features.sql, abt_order_delay.sql,
 * order_delay_open_orders.sql).
 *
 * Every feature is known when the order is placed: the order itself (what
 * was bought, from whom, to where, and the date promised) and the delivery
 * history before its purchase month. Column descriptions become Glue column
 * comments, so they say what a value means and when it is NULL.
 */
import type { ColumnDefinition, DatasetDefinition, PartitionDefinition } from '../../pipelines/datasets/dataset.ts';
import { SPLITS } from '../../pipelines/models/model.ts';
import { FIRST_ORDER_MONTH } from './values.ts';

/** The model's name, as the scores' `model` column holds it. */
export const ORDER_DELAY_MODEL = 'order-delay';

const ORDER: ColumnDefinition = { name: 'order_id', type: 'string', required: true, description: 'Order.' };

// Delivered: status delivered, with a delivery and a promised date.
const HISTORY = 'orders delivered before dt_reference';

/**
 * The features of an order, in the order the tables hold them: the ABT,
 * the open orders scored and order_delay_features.sql list them the same way.
 */
export const ORDER_DELAY_FEATURES: ColumnDefinition[] = [
  { name: 'days_promised', type: 'bigint', description: 'Days from the purchase date to the delivery date promised at purchase; NULL when no date was promised.' },
  { name: 'items', type: 'bigint', range: { min: 0 }, description: 'Items in the order; 0 when trusted holds none of its items.' },
  { name: 'distinct_sellers', type: 'bigint', range: { min: 0 }, description: 'Sellers of the order’s items; 0 when trusted holds none of its items.' },
  { name: 'total_price', type: 'double', range: { min: 0 }, description: 'Sum of the item prices, BRL; NULL when the order has no item in trusted.' },
  { name: 'total_freight', type: 'double', range: { min: 0 }, description: 'Sum of the items’ freight, BRL; NULL when the order has no item in trusted or no item states its freight.' },
  {
    name: 'freight_share',
    type: 'double',
    range: { min: 0, max: 1 },
    description: 'Freight over price plus freight; NULL when the total freight is NULL or price and freight are both 0.',
  },
  {
    name: 'total_weight_g',
    type: 'bigint',
    range: { min: 0 },
    description: 'Sum of the weights of the items’ products, grams; NULL when the order has no item in trusted or any item’s product weight is unknown.',
  },
  {
    name: 'same_state',
    type: 'int',
    acceptedValues: ['0', '1'],
    description: '1 when the customer lives in the state of the seller of the order’s first item (lowest order_item_id), 0 when not; NULL when either state is unknown.',
  },
  { name: 'purchase_month', type: 'int', range: { min: 1, max: 12 }, description: 'Month of the year of the purchase, 1 (January) to 12.' },
  { name: 'purchase_weekday', type: 'int', range: { min: 0, max: 6 }, description: 'Day of the week of the purchase, 0 (Sunday) to 6 (Saturday).' },
  {
    name: 'seller_prior_orders',
    type: 'bigint',
    range: { min: 0 },
    description: `Of the ${HISTORY}, those with an item of the seller of the order’s first item; 0 without any; NULL when the order has no item in trusted.`,
  },
  {
    name: 'seller_prior_late_share',
    type: 'double',
    range: { min: 0, max: 1 },
    description: 'Of the orders seller_prior_orders counts, the share delivered after their promised day; NULL when it counts none or is NULL.',
  },
  {
    name: 'customer_state_prior_late_share',
    type: 'double',
    range: { min: 0, max: 1 },
    description: `Of the ${HISTORY} to a customer in this order’s customer’s state, the share delivered after their promised day; NULL when the state is unknown or there are none.`,
  },
  {
    name: 'seller_state_prior_late_share',
    type: 'double',
    range: { min: 0, max: 1 },
    description: `Of the ${HISTORY} with an item of a seller in the state of this order’s first item’s seller, the share delivered after their promised day; NULL when the state is unknown or there are none.`,
  },
];

export const abtOrderDelay: DatasetDefinition = {
  name: 'abt_order_delay',
  layer: 'refined',
  description:
    'Order delay analytical base table: one row per delivered order whose promised delivery date is on or before the last purchase date in the data, ' +
    'with the late label, the split and every feature known at purchase.',
  primaryKey: ['order_id'],
  columns: [
    ORDER,
    { name: 'dt_reference', type: 'date', required: true, description: 'First day of the order’s purchase month: the features describe what was known before it, and the order itself.' },
    {
      name: 'late',
      type: 'int',
      required: true,
      acceptedValues: ['0', '1'],
      description: '1 when the order was delivered on a later day than the one promised at purchase, 0 on or before it.',
    },
    {
      name: 'split',
      type: 'string',
      required: true,
      acceptedValues: SPLITS,
      description: 'Which set the row belongs to. train, test: in-time rows, split stratified by late with a seeded hash; oot: the out-of-time purchase months.',
    },
    ...ORDER_DELAY_FEATURES,
  ],
};

/** Scores are stored per scoring date: the purchase month scored (dt_reference of its features). */
const scorePartition: PartitionDefinition = { column: 'dt_score', kind: 'date', derivedFrom: 'dt_score', firstDate: `${FIRST_ORDER_MONTH}-01` };

export const orderDelayScores: DatasetDefinition = {
  name: 'order_delay_scores',
  layer: 'refined',
  description: 'Probability of a late delivery for every order of the latest purchase month not yet delivered, from the champion model; one partition per scoring date.',
  primaryKey: ['order_id', 'dt_score'],
  columns: [
    ORDER,
    { name: 'score', type: 'double', required: true, range: { min: 0, max: 1 }, description: 'Probability that the order arrives after the day promised at purchase.' },
    { name: 'class', type: 'int', required: true, acceptedValues: ['0', '1'], description: '1 when the score is at or above the configured threshold.' },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the model that scored.' },
    { name: 'model', type: 'string', required: true, acceptedValues: [ORDER_DELAY_MODEL], description: 'Model that scored.' },
  ],
  partition: scorePartition,
};

/** The order-delay model's training set and scores, built by the retrain flow. */
export const ORDER_DELAY_DATASETS: readonly DatasetDefinition[] = [abtOrderDelay, orderDelayScores];
