/**
 * Builds a model's training set in refined from the feature store, with the
 * SQL of workloads/olist/sql/ml/: the churn ABT (`abt_churn`: label, split and
 * every feature of the sellers active at each labelled snapshot) or the
 * segmentation base (`segment_base`: the sellers active at the latest
 * snapshot). Both read the one feature join, seller_snapshot_features.sql.
 * Each run replaces the whole table.
 */
import type { ModelSettings } from '../../../config/schema.ts';
import { abtChurn, ACTIVE_DAYS, FEATURE_DATASETS, segmentBase, SNAPSHOT_FEATURES, type Split } from '../features.ts';
import type { ModelName } from '../../../pipelines/models/index.ts';
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { countInputs, tablesRead } from '../../../lambdas/ml/model-inputs.ts';

interface TrainingSetBase {
  readonly table: string;
  readonly rows: number;
  /** Feature columns, in order. */
  readonly features: string[];
  /** The snapshots the rows come from. */
  readonly snapshots: { first: string; last: string };
  /** Rows of the feature store's active sellers the set was built from (every snapshot). */
  readonly rowsIn: number;
  readonly rowsOut: number;
}

export interface ChurnTrainingSet extends TrainingSetBase {
  readonly model: 'seller-churn';
  /** The out-of-time snapshots. */
  readonly oot: string[];
  readonly splits: Record<Split, number>;
  /** Churners (churn = 1) per split. */
  readonly positives: Record<Split, number>;
}

export interface SegmentTrainingSet extends TrainingSetBase {
  readonly model: 'seller-segments';
}

export type TrainingSetBuild = ChurnTrainingSet | SegmentTrainingSet;

/**
 * seller_snapshot_features.sql rendered for this engine, parenthesized: the
 * relation the ABT, the segment base and scoring read.
 */
export function snapshotFeaturesRelation(engine: QueryEngine): string {
  const sql = renderModel(loadModel('ml', 'seller_snapshot_features'), engine.dialect, engine.relations, { params: { active_days: ACTIVE_DAYS } });
  return `(${sql})`;
}

/** The sellers active at the latest snapshot of the feature store, with every feature: what the seller models score. */
export function latestSnapshotRelation(engine: QueryEngine): string {
  const features = snapshotFeaturesRelation(engine);
  return `(select * from ${features} f where f.dt_reference = (select max(g.dt_reference) from ${features} g))`;
}

/** The feature tables, readable; a TableInputError names the missing ones. Returns the active seller-snapshots. */
async function activeSellerSnapshots(engine: QueryEngine, reader: string, features: string): Promise<number> {
  await countInputs(engine, tablesRead(loadModel('ml', 'seller_snapshot_features').text), `${reader} (build the feature store first)`);
  const [row] = await engine.query<{ n: bigint | number }>(`select count(*) as n from ${features} f`);
  return Number(row?.n ?? 0);
}

const text = (engine: QueryEngine, expression: string) => MACROS.to_text!(engine.dialect, expression);

export function buildTrainingSet(engine: QueryEngine, model: 'seller-churn', settings: ModelSettings): Promise<ChurnTrainingSet>;
export function buildTrainingSet(engine: QueryEngine, model: 'seller-segments', settings: ModelSettings): Promise<SegmentTrainingSet>;
export function buildTrainingSet(engine: QueryEngine, model: ModelName, settings: ModelSettings): Promise<TrainingSetBuild>;
export async function buildTrainingSet(engine: QueryEngine, model: ModelName, settings: ModelSettings): Promise<TrainingSetBuild> {
  if (model === 'seller-churn') return buildChurnAbt(engine, settings);
  if (model === 'seller-segments') return buildSegmentBase(engine);
  throw new RangeError(`no training set for model "${model as string}"; models: seller-churn, seller-segments`);
}

async function buildChurnAbt(engine: QueryEngine, settings: ModelSettings): Promise<ChurnTrainingSet> {
  const features = snapshotFeaturesRelation(engine);
  const model = loadModel('ml', 'abt_churn');
  await countInputs(engine, tablesRead(model.text), 'abt_churn (run the process flow first)');
  const rowsIn = await activeSellerSnapshots(engine, 'abt_churn', features);
  const { ootSnapshots, seed, testFraction } = settings.classifier;
  const ootRelation = await engine.loadRows('ml_oot_snapshots', [{ name: 'dt_reference', type: 'date' }], ootSnapshots.map((date) => [date]));
  const sql = renderModel(model, engine.dialect, engine.relations, {
    ml: { seller_snapshot_features: features, oot_snapshots: ootRelation },
    params: { active_days: ACTIVE_DAYS, seed: String(seed), test_fraction: testFraction },
  });
  const built = await engine.createTemporary('abt_churn', refinedSelect(abtChurn, sql, engine.dialect));

  const groups = await engine.query<{ dt_reference: string; split: Split; n: bigint | number; positives: bigint | number }>(
    `select ${text(engine, 'dt_reference')} as dt_reference, split, count(*) as n, sum(churn) as positives
     from ${built} group by dt_reference, split order by dt_reference, split`,
  );
  if (groups.length === 0) throw await noHorizonError(engine, features);
  const snapshots = [...new Set(groups.map((group) => group.dt_reference))].sort();
  const unknown = ootSnapshots.filter((date) => !snapshots.includes(date));
  if (unknown.length > 0) {
    throw new RangeError(
      `models.classifier.ootSnapshots: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a snapshot' : 'are not snapshots'} of the ABT; ` +
        `allowed: ${snapshots.join(', ')} (the 1st of a month whose ${ACTIVE_DAYS}-day horizon lies inside the data), or [] for the latest`,
    );
  }
  const splits: Record<Split, number> = { train: 0, test: 0, oot: 0 };
  const positives: Record<Split, number> = { train: 0, test: 0, oot: 0 };
  for (const group of groups) {
    splits[group.split] += Number(group.n);
    positives[group.split] += Number(group.positives);
  }
  const written = await engine.replace({ layer: 'refined', prefix: abtChurn.name }, `select * from ${built}`);
  return {
    model: 'seller-churn',
    table: abtChurn.name,
    rows: written.rows,
    features: SNAPSHOT_FEATURES.map((column) => column.name),
    snapshots: { first: snapshots[0]!, last: snapshots.at(-1)! },
    oot: [...new Set(groups.filter((group) => group.split === 'oot').map((group) => group.dt_reference))],
    splits,
    positives,
    rowsIn,
    rowsOut: written.rows,
  };
}

/** Why no snapshot could be labelled, with the dates that decide it. */
async function noHorizonError(engine: QueryEngine, features: string): Promise<Error> {
  const [row] = await engine.query<{ last_sale: string | null; first_snapshot: string | null; last_snapshot: string | null }>(
    `select
       (select ${text(engine, 'max(cast(o.order_purchase_timestamp as date))')}
        from ${engine.relations.ref('trusted', 'order_items')} i join ${engine.relations.ref('trusted', 'orders')} o on o.order_id = i.order_id) as last_sale,
       (select ${text(engine, 'min(dt_reference)')} from ${features} f) as first_snapshot,
       (select ${text(engine, 'max(dt_reference)')} from ${features} f) as last_snapshot`,
  );
  if (!row?.first_snapshot) {
    return new Error(`abt_churn: the feature store has no active seller at any snapshot (${FEATURE_DATASETS[0]!.name} is empty); build the features on sales data first`);
  }
  return new Error(
    `abt_churn: no snapshot's ${ACTIVE_DAYS}-day churn horizon lies inside the data: the last sale is ${row.last_sale}, ` +
      `so a snapshot needs dt_reference + ${ACTIVE_DAYS} days <= ${row.last_sale}, and the feature store's snapshots run ` +
      `${row.first_snapshot} to ${row.last_snapshot}. Load more months of sales, then rebuild the features.`,
  );
}

async function buildSegmentBase(engine: QueryEngine): Promise<SegmentTrainingSet> {
  const features = snapshotFeaturesRelation(engine);
  const rowsIn = await activeSellerSnapshots(engine, 'segment_base', features);
  const sql = renderModel(loadModel('ml', 'segment_base'), engine.dialect, engine.relations, { ml: { seller_snapshot_features: features } });
  const built = await engine.createTemporary('segment_base', refinedSelect(segmentBase, sql, engine.dialect));
  const [summary] = await engine.query<{ n: bigint | number; dt_reference: string | null }>(
    `select count(*) as n, ${text(engine, 'max(dt_reference)')} as dt_reference from ${built}`,
  );
  if (!summary?.dt_reference) {
    throw new Error('segment_base: no seller is active at any snapshot of the feature store; build the features on sales data first');
  }
  const written = await engine.replace({ layer: 'refined', prefix: segmentBase.name }, `select * from ${built}`);
  return {
    model: 'seller-segments',
    table: segmentBase.name,
    rows: written.rows,
    features: SNAPSHOT_FEATURES.map((column) => column.name),
    snapshots: { first: summary.dt_reference, last: summary.dt_reference },
    rowsIn,
    rowsOut: written.rows,
  };
}
