/** Business tables in refined, built by SQL from trusted. */
import type { DatasetDefinition } from './dataset.ts';
import { FIRST_ORDER_MONTH, ORDER_STATUSES } from './olist.ts';


export const ordersEnriched: DatasetDefinition = {
  name: 'orders_enriched',
  layer: 'refined',
  description: 'One row per order item, with its order, payment totals, review, seller and customer.',
  primaryKey: ['order_id', 'order_item_id'],
  columns: [
    { name: 'order_id', type: 'string', required: true, description: 'Order identifier.' },
    { name: 'order_item_id', type: 'int', required: true, description: 'Sequence of the item within its order.' },
    { name: 'order_status', type: 'string', required: true, acceptedValues: ORDER_STATUSES, description: 'Order status.' },
    { name: 'order_purchase_timestamp', type: 'timestamp', required: true, description: 'When the order was placed.' },
    { name: 'order_delivered_customer_date', type: 'timestamp', description: 'When the customer received it.' },
    { name: 'order_estimated_delivery_date', type: 'timestamp', description: 'Delivery date promised at purchase.' },
    { name: 'product_id', type: 'string', required: true, description: 'Product sold.' },
    { name: 'product_category_name', type: 'string', description: 'Category, Portuguese.' },
    { name: 'seller_id', type: 'string', required: true, description: 'Seller.' },
    { name: 'seller_state', type: 'string', description: 'Seller state (UF).' },
    { name: 'customer_unique_id', type: 'string', description: 'The person who bought.' },
    { name: 'customer_state', type: 'string', description: 'Customer state (UF).' },
    { name: 'price', type: 'decimal(12,2)', required: true, description: 'Item price, BRL.' },
    { name: 'freight_value', type: 'decimal(12,2)', description: 'Freight of the item, BRL.' },
    { name: 'order_payment_value', type: 'decimal(12,2)', description: 'Sum of the order payments, BRL.' },
    { name: 'order_payment_types', type: 'string', description: 'Payment methods used, comma-separated, sorted.' },
    { name: 'review_score', type: 'int', description: 'Latest review score of the order.' },
  ],
  partition: { column: 'purchase_month', kind: 'month', derivedFrom: 'order_purchase_timestamp', firstMonth: FIRST_ORDER_MONTH },
  // An order's rows come from its order, items, payments and reviews, and the product, seller and customer they name.
  incremental: {
    key: 'order_id',
    changes: {
      orders: 'direct',
      order_items: 'direct',
      order_payments: 'direct',
      order_reviews: 'direct',
      products: { via: 'order_items', on: 'product_id' },
      sellers: { via: 'order_items', on: 'seller_id' },
      customers: { via: 'orders', on: 'customer_id' },
    },
  },
};

// Not incremental: a day's sums span orders, and an order that moves day would leave its old day's sums stale.
export const sellerDailySales: DatasetDefinition = {
  name: 'seller_daily_sales',
  layer: 'refined',
  description: 'Per seller and day: orders, items, revenue and freight.',
  primaryKey: ['seller_id', 'sale_date'],
  columns: [
    { name: 'seller_id', type: 'string', required: true, description: 'Seller.' },
    { name: 'sale_date', type: 'date', required: true, description: 'Purchase date of the orders.' },
    { name: 'orders', type: 'bigint', required: true, description: 'Distinct orders with at least one item of the seller.' },
    { name: 'items', type: 'bigint', required: true, description: 'Items sold.' },
    { name: 'revenue', type: 'decimal(12,2)', required: true, description: 'Sum of item prices, BRL.' },
    { name: 'freight', type: 'decimal(12,2)', description: 'Sum of freight values, BRL.' },
  ],
  partition: { column: 'sale_month', kind: 'month', derivedFrom: 'sale_date', firstMonth: FIRST_ORDER_MONTH },
};

export const REFINED_DATASETS: readonly DatasetDefinition[] = [ordersEnriched, sellerDailySales];
