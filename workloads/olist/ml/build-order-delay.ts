/**
 * Builds the order-delay model's training set in refined (`abt_order_delay`:
 * label, split and every feature of the delivered orders whose promised date
 * lies inside the data) and names the orders it scores (the undelivered
 * orders still open), with the SQL of
 * workloads/olist/sql/ml/. Both read the one feature computation,
 * order_delay_features.sql. Each build replaces the whole table.
 */
import { abtOrderDelay, ORDER_DELAY_FEATURES, ORDER_DELAY_MODEL } from '../order-delay.ts';
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { commitClassifierTrainingSet, type ClassifierTrainingSet } from '../../../lambdas/ml/classifier-training-set.ts';
import { countInputs, tablesRead } from '../../../lambdas/ml/model-inputs.ts';

/** The setting the out-of-time months come from, as errors name it. */
export const OOT_SETTING = 'models.classifier.ootSnapshots';

export interface OrderDelaySettings {
  /** Out-of-time purchase months (`yyyy-MM-01`); [] for the latest labelled one. */
  readonly ootSnapshots: readonly string[];
  readonly seed: number;
  /** Share of the in-time rows of each class held out for test. */
  readonly testFraction: number;
}

/** The order-delay training set's build: its snapshots are purchase months; positives are late orders; its input rows, every order of trusted. */
export type OrderDelayTrainingSet = ClassifierTrainingSet<typeof ORDER_DELAY_MODEL>;

const text = (engine: QueryEngine, expression: string) => MACROS.to_text!(engine.dialect, expression);

/** order_delay_features.sql rendered for this engine, parenthesized: the relation the ABT and scoring read. */
export function orderDelayFeaturesRelation(engine: QueryEngine): string {
  return `(${renderModel(loadModel('ml', 'order_delay_features'), engine.dialect, engine.relations)})`;
}

/**
 * The orders to score, parenthesized: the undelivered orders of the latest
 * purchase month, `order_id, dt_reference` and the ABT's features in its order.
 */
export function orderDelayScoringRelation(engine: QueryEngine): string {
  const sql = renderModel(loadModel('ml', 'order_delay_open_orders'), engine.dialect, engine.relations, { ml: { order_delay_features: orderDelayFeaturesRelation(engine) } });
  return `(${sql})`;
}

export async function buildOrderDelayAbt(engine: QueryEngine, settings: OrderDelaySettings): Promise<OrderDelayTrainingSet> {
  const features = orderDelayFeaturesRelation(engine);
  const model = loadModel('ml', 'abt_order_delay');
  await countInputs(engine, [...tablesRead(loadModel('ml', 'order_delay_features').text), ...tablesRead(model.text)], `${abtOrderDelay.name} (run the process flow first)`);
  const [input] = await engine.query<{ n: bigint | number }>(`select count(*) as n from ${features} f`);
  const rowsIn = Number(input?.n ?? 0);
  const { ootSnapshots, seed, testFraction } = settings;
  const ootRelation = await engine.loadRows('ml_order_delay_oot', [{ name: 'dt_reference', type: 'date' }], ootSnapshots.map((date) => [date]));
  const sql = renderModel(model, engine.dialect, engine.relations, {
    ml: { order_delay_features: features, oot_snapshots: ootRelation },
    params: { seed: String(seed), test_fraction: testFraction },
  });
  const built = await engine.createTemporary(abtOrderDelay.name, refinedSelect(abtOrderDelay, sql, engine.dialect));
  return commitClassifierTrainingSet(engine, {
    model: ORDER_DELAY_MODEL,
    table: abtOrderDelay,
    label: 'late',
    built,
    features: ORDER_DELAY_FEATURES.map((column) => column.name),
    rowsIn,
    ootSnapshots,
    unknownOot: (unknown, snapshots) =>
      new RangeError(
        `${OOT_SETTING}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a labelled purchase month' : 'are not labelled purchase months'} of ${abtOrderDelay.name}; ` +
          `allowed: ${snapshots.join(', ')} (the 1st of a month with a delivered order promised by the last purchase date), or [] for the latest`,
      ),
    noLabel: () => noLabelError(engine, rowsIn),
  });
}

/** Why no order could be labelled, with the dates that decide it. */
async function noLabelError(engine: QueryEngine, orders: number): Promise<Error> {
  const delivered = `o.order_status = 'delivered' and o.order_delivered_customer_date is not null and o.order_estimated_delivery_date is not null`;
  const [row] = await engine.query<{ last_purchase: string | null; delivered: bigint | number; first_promised: string | null }>(
    `select
       ${text(engine, 'max(cast(o.order_purchase_timestamp as date))')} as last_purchase,
       sum(case when ${delivered} then 1 else 0 end) as delivered,
       ${text(engine, `min(case when ${delivered} then cast(o.order_estimated_delivery_date as date) end)`)} as first_promised
     from ${engine.relations.ref('trusted', 'orders')} o`,
  );
  if (orders === 0 || !row?.last_purchase) return new Error(`${abtOrderDelay.name}: trusted orders is empty; run the process flow on order data first`);
  if (Number(row.delivered ?? 0) === 0) {
    return new Error(`${abtOrderDelay.name}: no order can be labelled: none of the ${orders} orders in trusted is delivered with a delivery and a promised date`);
  }
  return new Error(
    `${abtOrderDelay.name}: no order can be labelled: an order is labelled once delivered with its promised date on or before the last purchase date, ` +
      `which is ${row.last_purchase}, and the earliest promised date of the ${Number(row.delivered)} delivered orders is ${row.first_promised}. Load more months of orders.`,
  );
}
