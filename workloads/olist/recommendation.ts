/**
 * The purchase-recommendation model's tables, in refined: its training set
 * (`recommendation_interactions`: which product categories each customer
 * bought in which month, split into the months learned from and the
 * held-out period) and its scores (`category_recommendations`: the k
 * categories to show each customer), built by the SQL in sql/ml/ of this
 * workload (category_purchases.sql, recommendation_interactions.sql).
 */
import type { ColumnDefinition, DatasetDefinition, PartitionDefinition } from '../../pipelines/datasets/dataset.ts';
import { FIRST_ORDER_MONTH } from './values.ts';

/** The model's name, as the scores' `model` column holds it. */
export const RECOMMENDATION_MODEL = 'purchase-recommendation';

const CUSTOMER: ColumnDefinition = { name: 'customer_unique_id', type: 'string', required: true, description: 'The customer: the person behind their orders (customers.customer_unique_id).' };
const CATEGORY: ColumnDefinition = {
  name: 'product_category',
  type: 'string',
  required: true,
  description: 'Product category, by its English name (product_category_name_translation), the Portuguese one when it has no translation.',
};

export const recommendationInteractions: DatasetDefinition = {
  name: 'recommendation_interactions',
  layer: 'refined',
  description:
    'Purchase recommendation training set: one row per customer, product category and purchase month of an order not canceled or unavailable, ' +
    'with its split: train (learned from) or oot (the held-out period the lists are judged on).',
  primaryKey: ['customer_unique_id', 'product_category', 'dt_reference'],
  columns: [
    CUSTOMER,
    CATEGORY,
    { name: 'dt_reference', type: 'date', required: true, description: 'First day of the purchase month.' },
    {
      name: 'split',
      type: 'string',
      required: true,
      acceptedValues: ['train', 'oot'],
      description: 'oot: purchase months from models.ranker.holdoutMonths before the latest full month to the end of the data (the held-out period); train: the months before.',
    },
  ],
};

/** Recommendations are stored per scoring date: the latest purchase month of the histories scored. */
const scorePartition: PartitionDefinition = { column: 'dt_score', kind: 'date', derivedFrom: 'dt_score', firstDate: `${FIRST_ORDER_MONTH}-01` };

export const categoryRecommendations: DatasetDefinition = {
  name: 'category_recommendations',
  layer: 'refined',
  description: 'The k product categories to show each customer with a purchase, best first, from the champion model and their whole history; one partition per scoring date.',
  primaryKey: ['customer_unique_id', 'item_rank', 'dt_score'],
  columns: [
    CUSTOMER,
    { name: 'item_rank', type: 'int', required: true, range: { min: 1 }, description: 'Place in the customer’s list, 1 the first to show.' },
    CATEGORY,
    {
      name: 'score',
      type: 'double',
      required: true,
      range: { min: 0 },
      description: 'co-purchase: summed cosine similarity of the category to those the customer bought (each of theirs counts 1); 0 for a popularity top-up. popularity: share of customers who bought it.',
    },
    {
      name: 'basis',
      type: 'string',
      required: true,
      acceptedValues: ['history', 'popularity'],
      description: 'history: reached from the customer’s own purchases; popularity: a top-up by how many customers bought it.',
    },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the model that scored.' },
    { name: 'model', type: 'string', required: true, acceptedValues: [RECOMMENDATION_MODEL], description: 'Model that scored.' },
  ],
  partition: scorePartition,
};

/** The purchase-recommendation model's training set and scores, built by the retrain flow. */
export const RECOMMENDATION_DATASETS: readonly DatasetDefinition[] = [recommendationInteractions, categoryRecommendations];
