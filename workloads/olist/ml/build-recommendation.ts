/**
 * Builds the purchase-recommendation model's training set in refined
 * (`recommendation_interactions`: every customer's category purchases by
 * month, split into train and the held-out period) and names the histories
 * it scores (every customer's purchases), with the SQL of
 * workloads/olist/sql/ml/. Both read the one interaction query,
 * category_purchases.sql. Each build replaces the whole table.
 */
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { countInputs, tablesRead } from '../../../lambdas/ml/model-inputs.ts';
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import { RECOMMENDATION_MODEL, recommendationInteractions } from '../recommendation.ts';

/** The setting the held-out period comes from, as errors name it. */
export const HOLDOUT_SETTING = 'models.ranker.holdoutMonths';

export interface RecommendationTrainingSet {
  readonly model: typeof RECOMMENDATION_MODEL;
  readonly table: string;
  readonly rows: number;
  /** Interactions (customer, category, month) per split. */
  readonly splits: { readonly train: number; readonly oot: number };
  /** The purchase months of each split. */
  readonly months: { readonly train: { first: string; last: string }; readonly oot: { first: string; last: string } };
  /** Customers with a purchase in the held-out period, and of them those who also bought before it: the only ones history can help. */
  readonly customers: { readonly oot: number; readonly returning: number };
  readonly categories: number;
  /** Rows of the trusted tables read. */
  readonly rowsIn: number;
  readonly rowsOut: number;
}

const text = (engine: QueryEngine, expression: string) => MACROS.to_text!(engine.dialect, expression);

/** category_purchases.sql rendered for this engine, parenthesized: what the training set and scoring read. */
export function categoryPurchasesRelation(engine: QueryEngine): string {
  return `(${renderModel(loadModel('ml', 'category_purchases'), engine.dialect, engine.relations)})`;
}

/** The histories scored: every customer's category purchases, whenever made; the model recommends from all of them. */
export function recommendationScoringRelation(engine: QueryEngine): string {
  return categoryPurchasesRelation(engine);
}

export async function buildRecommendationInteractions(engine: QueryEngine, settings: { readonly holdoutMonths: number }): Promise<RecommendationTrainingSet> {
  const purchases = categoryPurchasesRelation(engine);
  const model = loadModel('ml', recommendationInteractions.name);
  const rowsIn = await countInputs(engine, tablesRead(loadModel('ml', 'category_purchases').text), `${recommendationInteractions.name} (run the process flow first)`);
  const sql = renderModel(model, engine.dialect, engine.relations, { ml: { category_purchases: purchases }, params: { holdout_months: settings.holdoutMonths } });
  const built = await engine.createTemporary(recommendationInteractions.name, refinedSelect(recommendationInteractions, sql, engine.dialect));

  const groups = await engine.query<{ split: 'train' | 'oot'; n: bigint | number; first_month: string; last_month: string }>(
    `select split, count(*) as n, ${text(engine, 'min(dt_reference)')} as first_month, ${text(engine, 'max(dt_reference)')} as last_month from ${built} group by split`,
  );
  const split = (name: 'train' | 'oot') => groups.find((group) => group.split === name);
  const [train, oot] = [split('train'), split('oot')];
  if (!train && !oot) throw new Error(`${recommendationInteractions.name}: no purchase to learn from: trusted holds no order (not canceled or unavailable) with an item of a named category; run the process flow on order data first`);
  if (!train || !oot) {
    throw new RangeError(
      `${HOLDOUT_SETTING}: holding out ${settings.holdoutMonths} month(s) leaves ${train ? 'no held-out purchase' : 'nothing before them to learn from'}: ` +
        `the purchases run ${(train ?? oot)!.first_month} to ${(train ?? oot)!.last_month}; hold out fewer months or load more`,
    );
  }
  const [customers] = await engine.query<{ oot: bigint | number; returning_customers: bigint | number; categories: bigint | number }>(
    `select
       (select count(distinct customer_unique_id) from ${built} where split = 'oot') as oot,
       (select count(*) from (select distinct customer_unique_id from ${built} where split = 'oot') h
          where h.customer_unique_id in (select customer_unique_id from ${built} where split = 'train')) as returning_customers,
       (select count(distinct product_category) from ${built}) as categories`,
  );
  const written = await engine.replace({ layer: 'refined', prefix: recommendationInteractions.name }, `select * from ${built}`);
  return {
    model: RECOMMENDATION_MODEL,
    table: recommendationInteractions.name,
    rows: written.rows,
    splits: { train: Number(train.n), oot: Number(oot.n) },
    months: { train: { first: train.first_month, last: train.last_month }, oot: { first: oot.first_month, last: oot.last_month } },
    customers: { oot: Number(customers?.oot ?? 0), returning: Number(customers?.returning_customers ?? 0) },
    categories: Number(customers?.categories ?? 0),
    rowsIn,
    rowsOut: written.rows,
  };
}
