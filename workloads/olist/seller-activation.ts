/**
 * The seller-activation model's tables, in refined: its training set
 * (`abt_seller_activation`, one row per seller signed up by a closed deal
 * whose activation window passed inside the data) and its scores
 * (`seller_activation_scores`), built by the SQL in sql/ml/ of this workload
 * (seller_activation_features.sql, abt_seller_activation.sql,
 * seller_activation_pending.sql) from trusted closed_deals (the marketing
 * funnel's), order_items and orders. The window is the environment's
 * `models.classifier.labelWindowDays` (or this model's override).
 */
import type { ColumnDefinition, DatasetDefinition, PartitionDefinition } from '../../pipelines/datasets/dataset.ts';
import { SPLITS, type ModelDefinition } from '../../pipelines/models/model.ts';
import { FIRST_ORDER_MONTH } from './values.ts';

/** The model's name, as the scores' `model` column holds it. */
export const SELLER_ACTIVATION_MODEL = 'seller-activation';

const SELLER: ColumnDefinition = { name: 'seller_id', type: 'string', required: true, description: 'Seller signed up by the deal.' };
const flag = (name: string, description: string): ColumnDefinition => ({ name, type: 'int', acceptedValues: ['0', '1'], description });

/** The features of a deal, in the order the tables hold them; the ABT, the sellers scored and seller_activation_features.sql list them the same way. */
export const SELLER_ACTIVATION_FEATURES: ColumnDefinition[] = [
  flag('lead_online_big', '1 when the lead was an online_big one.'),
  flag('lead_online_medium', '1 when the lead was an online_medium one.'),
  flag('lead_online_small', '1 when the lead was an online_small one.'),
  flag('lead_online_beginner', '1 when the lead was an online_beginner one.'),
  flag('lead_online_top', '1 when the lead was an online_top one.'),
  flag('lead_industry', '1 when the lead came from industry.'),
  flag('lead_offline', '1 when the lead was an offline one.'),
  flag('business_reseller', '1 when the seller is a reseller.'),
  flag('business_manufacturer', '1 when the seller is a manufacturer.'),
  flag('has_company', '1 when the lead has a company, 0 when not; NULL when it did not say.'),
  flag('has_gtin', '1 when its products have GTIN barcodes, 0 when not; NULL when it did not say.'),
  { name: 'stock_level', type: 'int', range: { min: 1, max: 5 }, description: 'Declared average stock: 1 (1-5) to 5 (200+); NULL when not declared.' },
  { name: 'declared_product_catalog_size', type: 'double', range: { min: 0 }, description: 'Products the lead declared it would list; NULL when not declared.' },
  { name: 'declared_monthly_revenue', type: 'double', range: { min: 0 }, description: 'Monthly revenue the lead declared, BRL; NULL when not declared.' },
  { name: 'won_month', type: 'int', range: { min: 1, max: 12 }, description: 'Month of the year the deal was won, 1 (January) to 12.' },
  flag('sold_before_deal', '1 when the seller had sold on Olist before the deal was closed.'),
];

export const abtSellerActivation: DatasetDefinition = {
  name: 'abt_seller_activation',
  layer: 'refined',
  description: 'Seller activation analytical base table: one row per seller signed up by a closed deal whose activation window passed inside the data, with the label, the split and the features known at the deal.',
  primaryKey: ['seller_id'],
  columns: [
    SELLER,
    { name: 'dt_reference', type: 'date', required: true, description: 'First day of the month the deal was won.' },
    { name: 'activated', type: 'int', required: true, acceptedValues: ['0', '1'], description: '1 when the seller made a first sale within the window after the deal (or had sold before it), 0 when not.' },
    {
      name: 'split',
      type: 'string',
      required: true,
      acceptedValues: SPLITS,
      description: 'Which set the row belongs to. train, test: in-time rows, split stratified by activated with a seeded hash; oot: the out-of-time won months.',
    },
    ...SELLER_ACTIVATION_FEATURES,
  ],
};

const scorePartition: PartitionDefinition = { column: 'dt_score', kind: 'date', derivedFrom: 'dt_score', firstDate: `${FIRST_ORDER_MONTH}-01` };

export const sellerActivationScores: DatasetDefinition = {
  name: 'seller_activation_scores',
  layer: 'refined',
  description: 'Probability of a first sale within the window for every seller signed up by a deal whose window is still open and who has not sold yet, from the champion model; one partition per scoring date.',
  primaryKey: ['seller_id', 'dt_score'],
  columns: [
    SELLER,
    { name: 'score', type: 'double', required: true, range: { min: 0, max: 1 }, description: 'Probability that the seller makes a first sale within the window after its deal.' },
    { name: 'class', type: 'int', required: true, acceptedValues: ['0', '1'], description: '1 when the score is at or above the configured threshold.' },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the model that scored.' },
    { name: 'model', type: 'string', required: true, acceptedValues: [SELLER_ACTIVATION_MODEL], description: 'Model that scored.' },
  ],
  partition: scorePartition,
};

/** The seller-activation model's training set and scores, built by the retrain flow. */
export const SELLER_ACTIVATION_DATASETS: readonly DatasetDefinition[] = [abtSellerActivation, sellerActivationScores];

/** Will a newly signed-up seller make a first sale within the window: the onboarding team's call list. */
export const sellerActivation: ModelDefinition = {
  name: SELLER_ACTIVATION_MODEL,
  kind: 'classifier',
  description: 'Probability that a seller signed up by a closed deal makes a first sale within models.classifier.labelWindowDays of the deal, from what the lead declared.',
  entity: SELLER.name,
  label: 'activated',
  positiveClass: 'activates',
  trainingSet: abtSellerActivation.name,
  scoresTable: sellerActivationScores.name,
  algorithms: ['gradient-boosting', 'logistic-regression'],
  managedAlgorithm: 'xgboost',
  managedJobStem: 'activation',
  requires: ['closed_deals'],
  gateMetric: 'auc_oot',
};
