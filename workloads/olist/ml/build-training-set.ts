/**
 * Builds a model's training set in refined from the feature store, with the
 * SQL of workloads/olist/sql/ml/: the churn ABT (`abt_churn`: label, split and
 * every feature of the sellers active at each labelled snapshot) or the
 * segmentation base (`segment_base`: the sellers active at the latest
 * representative snapshot). Both read the one feature join, seller_snapshot_features.sql.
 * Each run replaces the whole table.
 */
import type { ModelSettings } from '../../../config/schema.ts';
import { abtChurn, ACTIVE_DAYS, FEATURE_DATASETS, segmentBase, SNAPSHOT_FEATURES } from '../features.ts';
import type { ModelName } from '../../../pipelines/models/index.ts';
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { commitClassifierTrainingSet, type ClassifierTrainingSet } from '../../../lambdas/ml/classifier-training-set.ts';
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

/** The churn ABT's build: positives are churners; its input rows, the feature store's active sellers of every snapshot. */
export type ChurnTrainingSet = ClassifierTrainingSet<'seller-churn'>;

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
  return commitClassifierTrainingSet(engine, {
    model: 'seller-churn',
    table: abtChurn,
    label: 'churn',
    built,
    features: SNAPSHOT_FEATURES.map((column) => column.name),
    rowsIn,
    ootSnapshots,
    unknownOot: (unknown, snapshots) =>
      new RangeError(
        `models.classifier.ootSnapshots: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a snapshot' : 'are not snapshots'} of the ABT; ` +
          `allowed: ${snapshots.join(', ')} (the 1st of a month whose ${ACTIVE_DAYS}-day horizon lies inside the data), or [] for the latest`,
      ),
    noLabel: () => noHorizonError(engine, features),
  });
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

function segmentBaseSql(engine: QueryEngine, features: string): string {
  return renderModel(loadModel('ml', 'segment_base'), engine.dialect, engine.relations, { ml: { seller_snapshot_features: features } });
}

/** The sellers the segmentation scores, parenthesized: those it clusters (segment_base.sql), the latest representative snapshot's. */
export function segmentBaseRelation(engine: QueryEngine): string {
  return `(${segmentBaseSql(engine, snapshotFeaturesRelation(engine))})`;
}

async function buildSegmentBase(engine: QueryEngine): Promise<SegmentTrainingSet> {
  const features = snapshotFeaturesRelation(engine);
  const rowsIn = await activeSellerSnapshots(engine, 'segment_base', features);
  const built = await engine.createTemporary('segment_base', refinedSelect(segmentBase, segmentBaseSql(engine, features), engine.dialect));
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
