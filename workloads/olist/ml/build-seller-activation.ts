/**
 * Builds the seller-activation model's training set in refined
 * (`abt_seller_activation`: label, split and features of the sellers whose
 * deal's window passed inside the data) and names the sellers it scores
 * (deals still inside their window, no sale yet), with the SQL of
 * workloads/olist/sql/ml/. Both read the one feature computation,
 * seller_activation_features.sql. Each build replaces the whole table.
 */
import { commitClassifierTrainingSet, type ClassifierTrainingSet } from '../../../lambdas/ml/classifier-training-set.ts';
import { countInputs, tablesRead } from '../../../lambdas/ml/model-inputs.ts';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import { abtSellerActivation, SELLER_ACTIVATION_FEATURES, SELLER_ACTIVATION_MODEL } from '../seller-activation.ts';

/** Where the window and the out-of-time months come from, as errors name them. */
const WINDOW_SETTING = `labelWindowDays (models.classifier, or models.overrides.${SELLER_ACTIVATION_MODEL})`;
const OOT_SETTING = `ootSnapshots (models.classifier, or models.overrides.${SELLER_ACTIVATION_MODEL})`;

export interface SellerActivationSettings {
  /** Out-of-time won months (`yyyy-MM-01`); [] for the latest labelled one. */
  readonly ootSnapshots: readonly string[];
  readonly seed: number;
  readonly testFraction: number;
  /** Days after the deal within which a first sale counts as activation. */
  readonly labelWindowDays: number;
}

export type SellerActivationTrainingSet = ClassifierTrainingSet<typeof SELLER_ACTIVATION_MODEL>;

/** seller_activation_features.sql rendered for this engine, parenthesized: the relation the ABT and scoring read. */
export function sellerActivationFeaturesRelation(engine: QueryEngine): string {
  return `(${renderModel(loadModel('ml', 'seller_activation_features'), engine.dialect, engine.relations)})`;
}

/** The sellers to score, parenthesized: `seller_id, dt_reference` and the ABT's features, for deals still inside the window. */
export function sellerActivationScoringRelation(engine: QueryEngine, settings: Pick<SellerActivationSettings, 'labelWindowDays'>): string {
  const sql = renderModel(loadModel('ml', 'seller_activation_pending'), engine.dialect, engine.relations, {
    ml: { seller_activation_features: sellerActivationFeaturesRelation(engine) },
    params: { window_days: settings.labelWindowDays },
  });
  return `(${sql})`;
}

export async function buildSellerActivationAbt(engine: QueryEngine, settings: SellerActivationSettings): Promise<SellerActivationTrainingSet> {
  const features = sellerActivationFeaturesRelation(engine);
  const model = loadModel('ml', 'abt_seller_activation');
  await countInputs(engine, [...tablesRead(loadModel('ml', 'seller_activation_features').text), ...tablesRead(model.text)], `${abtSellerActivation.name} (run the process flow first)`);
  const [input] = await engine.query<{ n: bigint | number }>(`select count(*) as n from ${features} f`);
  const rowsIn = Number(input?.n ?? 0);
  const { ootSnapshots, seed, testFraction, labelWindowDays } = settings;
  const ootRelation = await engine.loadRows('ml_seller_activation_oot', [{ name: 'dt_reference', type: 'date' }], ootSnapshots.map((date) => [date]));
  const sql = renderModel(model, engine.dialect, engine.relations, {
    ml: { seller_activation_features: features, oot_snapshots: ootRelation },
    params: { seed: String(seed), test_fraction: testFraction, window_days: labelWindowDays },
  });
  const built = await engine.createTemporary(abtSellerActivation.name, refinedSelect(abtSellerActivation, sql, engine.dialect));
  return commitClassifierTrainingSet(engine, {
    model: SELLER_ACTIVATION_MODEL,
    table: abtSellerActivation,
    label: 'activated',
    built,
    features: SELLER_ACTIVATION_FEATURES.map((column) => column.name),
    rowsIn,
    ootSnapshots,
    unknownOot: (unknown, snapshots) =>
      new RangeError(
        `${OOT_SETTING}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a labelled won month' : 'are not labelled won months'} of ${abtSellerActivation.name}; ` +
          `allowed: ${snapshots.join(', ')} (the 1st of a month with a deal won at least ${labelWindowDays} days before the last purchase date), or [] for the latest`,
      ),
    noLabel: () => noLabelError(engine, features, rowsIn, labelWindowDays),
  });
}

/** Why no deal could be labelled: the deals' dates against the data's end and the window. */
async function noLabelError(engine: QueryEngine, features: string, deals: number, windowDays: number): Promise<Error> {
  const text = (expression: string) => MACROS.to_text!(engine.dialect, expression);
  const [row] = await engine.query<{ longest: bigint | number | null; first_month: string | null }>(`select max(days_observed) as longest, ${text('min(dt_reference)')} as first_month from ${features} f`);
  return new Error(
    `${abtSellerActivation.name}: no deal can be labelled: a deal is labelled once ${windowDays} days (${WINDOW_SETTING}) have passed inside the data, ` +
      `and of the ${deals} sellers signed up by a deal (the first won in ${row?.first_month?.slice(0, 7) ?? 'no month'}), the earliest has ${Number(row?.longest ?? 0)} days of data after it. ` +
      'Load more months of orders, or shorten the window.',
  );
}
