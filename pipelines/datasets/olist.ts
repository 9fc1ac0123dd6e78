/**
 * The nine Olist tables, as they land in trusted. Column names and order
 * follow the published CSVs (including Olist's own spelling, `lenght`).
 */
import { BRAZILIAN_STATES } from './brazil.ts';
import type { ColumnDefinition, DatasetDefinition } from './dataset.ts';

const id = (name: string, description: string): ColumnDefinition => ({ name, type: 'string', required: true, description });
const state = (name: string, description: string): ColumnDefinition => ({ name, type: 'string', acceptedValues: BRAZILIAN_STATES, description });

export const ORDER_STATUSES = ['created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered', 'unavailable', 'canceled'] as const;
export const PAYMENT_TYPES = ['credit_card', 'boleto', 'voucher', 'debit_card', 'not_defined'] as const;

/** Olist orders start in September 2016. */
export const FIRST_ORDER_MONTH = '2016-09';

export const orders: DatasetDefinition = {
  name: 'orders',
  layer: 'trusted',
  sourceFile: 'olist_orders_dataset.csv',
  description: 'One row per order, with its status and lifecycle timestamps.',
  primaryKey: ['order_id'],
  columns: [
    id('order_id', 'Order identifier.'),
    id('customer_id', 'Customer of this order (one customer_id per order).'),
    { name: 'order_status', type: 'string', required: true, acceptedValues: ORDER_STATUSES, description: 'Order status.' },
    { name: 'order_purchase_timestamp', type: 'timestamp', required: true, description: 'When the order was placed.' },
    { name: 'order_approved_at', type: 'timestamp', description: 'When payment was approved.' },
    { name: 'order_delivered_carrier_date', type: 'timestamp', description: 'When the order was handed to the carrier.' },
    { name: 'order_delivered_customer_date', type: 'timestamp', description: 'When the customer received it.' },
    { name: 'order_estimated_delivery_date', type: 'timestamp', description: 'Delivery date promised at purchase.' },
  ],
  partition: { column: 'purchase_month', kind: 'month', derivedFrom: 'order_purchase_timestamp', firstMonth: FIRST_ORDER_MONTH },
};

export const orderItems: DatasetDefinition = {
  name: 'order_items',
  layer: 'trusted',
  sourceFile: 'olist_order_items_dataset.csv',
  description: 'One row per item of an order; an order with three units of a product has three rows.',
  primaryKey: ['order_id', 'order_item_id'],
  columns: [
    id('order_id', 'Order the item belongs to.'),
    { name: 'order_item_id', type: 'int', required: true, range: { min: 1 }, description: 'Sequence of the item within its order.' },
    id('product_id', 'Product sold.'),
    id('seller_id', 'Seller who sold it.'),
    { name: 'shipping_limit_date', type: 'timestamp', description: 'Deadline for the seller to hand the item to the carrier.' },
    { name: 'price', type: 'decimal(12,2)', required: true, range: { min: 0 }, description: 'Item price, BRL.' },
    { name: 'freight_value', type: 'decimal(12,2)', range: { min: 0 }, description: 'Freight charged for the item, BRL.' },
  ],
};

export const orderPayments: DatasetDefinition = {
  name: 'order_payments',
  layer: 'trusted',
  sourceFile: 'olist_order_payments_dataset.csv',
  description: 'One row per payment of an order; an order may be paid with several methods.',
  primaryKey: ['order_id', 'payment_sequential'],
  columns: [
    id('order_id', 'Order paid.'),
    { name: 'payment_sequential', type: 'int', required: true, range: { min: 1 }, description: 'Sequence of the payment within its order.' },
    { name: 'payment_type', type: 'string', required: true, acceptedValues: PAYMENT_TYPES, description: 'Payment method.' },
    { name: 'payment_installments', type: 'int', range: { min: 0 }, description: 'Number of installments.' },
    { name: 'payment_value', type: 'decimal(12,2)', required: true, range: { min: 0 }, description: 'Amount paid, BRL.' },
  ],
};

export const orderReviews: DatasetDefinition = {
  name: 'order_reviews',
  layer: 'trusted',
  sourceFile: 'olist_order_reviews_dataset.csv',
  description: 'Customer reviews of orders; texts may hold quoted newlines.',
  primaryKey: ['review_id', 'order_id'],
  columns: [
    id('review_id', 'Review identifier (Olist reuses some across orders).'),
    id('order_id', 'Order reviewed.'),
    { name: 'review_score', type: 'int', required: true, range: { min: 1, max: 5 }, description: 'Score from 1 to 5.' },
    { name: 'review_comment_title', type: 'string', description: 'Title of the comment, Portuguese.' },
    { name: 'review_comment_message', type: 'string', description: 'Comment, Portuguese.' },
    { name: 'review_creation_date', type: 'timestamp', required: true, description: 'When the review survey was sent.' },
    { name: 'review_answer_timestamp', type: 'timestamp', description: 'When the customer answered.' },
  ],
  partition: { column: 'review_month', kind: 'month', derivedFrom: 'review_creation_date', firstMonth: FIRST_ORDER_MONTH },
};

export const customers: DatasetDefinition = {
  name: 'customers',
  layer: 'trusted',
  sourceFile: 'olist_customers_dataset.csv',
  description: 'One row per order-customer; customer_unique_id identifies the person across orders.',
  primaryKey: ['customer_id'],
  columns: [
    id('customer_id', 'Customer key of one order.'),
    id('customer_unique_id', 'The person behind the order.'),
    { name: 'customer_zip_code_prefix', type: 'string', description: 'First five digits of the zip code (kept as text: leading zeros).' },
    { name: 'customer_city', type: 'string', description: 'City.' },
    state('customer_state', 'State (UF).'),
  ],
};

export const products: DatasetDefinition = {
  name: 'products',
  layer: 'trusted',
  sourceFile: 'olist_products_dataset.csv',
  description: 'Product catalogue: category, listing quality and package dimensions.',
  primaryKey: ['product_id'],
  columns: [
    id('product_id', 'Product identifier.'),
    { name: 'product_category_name', type: 'string', description: 'Category, Portuguese.' },
    { name: 'product_name_lenght', type: 'int', range: { min: 0 }, description: 'Characters in the product name (Olist spelling).' },
    { name: 'product_description_lenght', type: 'int', range: { min: 0 }, description: 'Characters in the description (Olist spelling).' },
    { name: 'product_photos_qty', type: 'int', range: { min: 0 }, description: 'Photos published.' },
    { name: 'product_weight_g', type: 'int', range: { min: 0 }, description: 'Weight, grams.' },
    { name: 'product_length_cm', type: 'int', range: { min: 0 }, description: 'Package length, cm.' },
    { name: 'product_height_cm', type: 'int', range: { min: 0 }, description: 'Package height, cm.' },
    { name: 'product_width_cm', type: 'int', range: { min: 0 }, description: 'Package width, cm.' },
  ],
};

export const sellers: DatasetDefinition = {
  name: 'sellers',
  layer: 'trusted',
  sourceFile: 'olist_sellers_dataset.csv',
  description: 'One row per seller: where they ship from.',
  primaryKey: ['seller_id'],
  columns: [
    id('seller_id', 'Seller identifier.'),
    { name: 'seller_zip_code_prefix', type: 'string', description: 'First five digits of the zip code (kept as text: leading zeros).' },
    { name: 'seller_city', type: 'string', description: 'City.' },
    state('seller_state', 'State (UF).'),
  ],
};

export const geolocation: DatasetDefinition = {
  name: 'geolocation',
  layer: 'trusted',
  sourceFile: 'olist_geolocation_dataset.csv',
  description: 'Coordinates seen per zip code prefix; several rows per prefix.',
  primaryKey: ['geolocation_zip_code_prefix', 'geolocation_lat', 'geolocation_lng'],
  columns: [
    { name: 'geolocation_zip_code_prefix', type: 'string', required: true, description: 'First five digits of the zip code.' },
    { name: 'geolocation_lat', type: 'double', required: true, range: { min: -90, max: 90 }, description: 'Latitude.' },
    { name: 'geolocation_lng', type: 'double', required: true, range: { min: -180, max: 180 }, description: 'Longitude.' },
    { name: 'geolocation_city', type: 'string', description: 'City.' },
    state('geolocation_state', 'State (UF).'),
  ],
  partition: { column: 'state', kind: 'enum', derivedFrom: 'geolocation_state', values: BRAZILIAN_STATES },
};

export const productCategoryNameTranslation: DatasetDefinition = {
  name: 'product_category_name_translation',
  layer: 'trusted',
  sourceFile: 'product_category_name_translation.csv',
  description: 'Category names, Portuguese to English.',
  primaryKey: ['product_category_name'],
  columns: [
    id('product_category_name', 'Category, Portuguese.'),
    { name: 'product_category_name_english', type: 'string', required: true, description: 'Category, English.' },
  ],
};

export const OLIST_DATASETS: readonly DatasetDefinition[] = [
  orders,
  orderItems,
  orderPayments,
  orderReviews,
  customers,
  products,
  sellers,
  geolocation,
  productCategoryNameTranslation,
];
