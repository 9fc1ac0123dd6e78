/**
 * A model definition: what the retrain flow trains, how it is judged and
 * where its scores land, cloud-neutral. The flow runs every definition
 * through the same steps (training set -> train -> evaluate -> gate ->
 * register -> score); the kind decides which algorithms and metrics apply.
 */

/** How a classifier's training set is split: fit, held-out test, and the out-of-time snapshots. A ranker's holds train and oot only. */
export const SPLITS = ['train', 'test', 'oot'] as const;
export type Split = (typeof SPLITS)[number];

/** A model's name (`seller-churn`): lowercase words joined by dashes, unique over the installed workloads. */
export type ModelName = string;

/** The date column of every training and scoring set: what moment a row's features describe. */
export const SNAPSHOT_COLUMN = 'dt_reference';
/** The column of a classifier's training set that holds its split. */
export const SPLIT_COLUMN = 'split';

/** Algorithms of the embedded engine (lambdas/ml/engine). */
export type EmbeddedAlgorithm = 'gradient-boosting' | 'logistic-regression' | 'k-means' | 'co-purchase' | 'popularity';

/** The kinds of model the retrain flow knows; each has its settings section (`models.<kind>`) and its metrics. */
export const MODEL_KINDS = ['classifier', 'clusterer', 'ranker'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface ModelDefinition {
  readonly name: ModelName;
  /**
   * classifier: a label and AUC; clusterer: no label, silhouette; ranker:
   * the `k` items to show each entity, from its past interactions, and hit
   * rate / precision at k on a held-out period.
   */
  readonly kind: ModelKind;
  readonly description: string;
  /**
   * The column naming what a row is about (`seller_id`, `order_id`): the
   * training set, the scoring set and the scores table all carry it.
   */
  readonly entity: string;
  /**
   * A classifier's 0/1 label column in its training set (`churn`, `late`).
   * @default - none: a clusterer has no label
   */
  readonly label?: string;
  /** What the label's 1 means, for charts and reports (`churns`, `arrives late`). @default - the label's name */
  readonly positiveClass?: string;
  /**
   * A ranker's item column (`product_category`): what it recommends. Its
   * training set holds one row per entity, item and `dt_reference` (an
   * interaction: a purchase), and its scores one row per entity and rank.
   * @default - none: only a ranker has items
   */
  readonly item?: string;
  /**
   * The refined table its training set is built into (sql/ml/<table>.sql of
   * its workload): `entity`, `dt_reference`, and for a classifier `label`
   * and `split` (train, test, oot), then its numeric features; for a ranker
   * `item` and `split` (train, oot: the held-out period).
   */
  readonly trainingSet: string;
  /** The refined table its scores land in, partitioned by dt_score and model. */
  readonly scoresTable: string;
  /** Candidates trained on the embedded engine; the evaluation picks the challenger among them. */
  readonly algorithms: readonly EmbeddedAlgorithm[];
  /**
   * What a managed engine (SageMaker on AWS, a Databricks job on Azure) trains instead, when the
   * environment selects one.
   * @default - always trained by the embedded engine
   */
  readonly managedAlgorithm?: 'xgboost';
  /**
   * The stem of its managed jobs' names (`strata-<env>-<stem>-t0-<run id>`):
   * SageMaker names stop at 63 characters, so a long model name needs a
   * shorter one here; synth fails naming the model when it does not fit.
   * @default - the model's name
   */
  readonly managedJobStem?: string;
  /**
   * Settings of its kind that differ for this model (keys as under the
   * environment's `models.classifier`, `models.clusterer` or `models.ranker`), over the
   * kind's; an environment's `models.overrides.<name>` goes over these.
   * @default - its kind's settings
   */
  readonly settings?: Readonly<Record<string, unknown>>;
  /**
   * Trusted tables its training set cannot be built without, beyond its
   * workload's having data: a run in which one holds no row skips the model,
   * saying which (lambdas/ml/models-without-data.ts).
   * @default - none
   */
  readonly requires?: readonly string[];
  /** The metric the promotion gate compares with the champion's; higher is better. */
  readonly gateMetric: 'auc_oot' | 'f1_oot' | 'silhouette' | 'hit_rate_at_k_oot';
  /**
   * Tables of refined built from its scores after each scoring, one SQL model
   * each under its workload's sql/ml/ (params `dt_score`, `model`), replacing
   * that scoring date's partition: the list a team works from.
   * @default - none
   */
  readonly afterScoring?: readonly string[];
}

/** A model's label column; fails for a model without one. */
export function labelOf(model: Pick<ModelDefinition, 'name' | 'label'>): string {
  if (!model.label) throw new RangeError(`model ${model.name} has no label column; only a classifier is trained on labels`);
  return model.label;
}

/** A ranker's item column; fails for a model without one. */
export function itemOf(model: Pick<ModelDefinition, 'name' | 'item'>): string {
  if (!model.item) throw new RangeError(`model ${model.name} has no item column; only a ranker recommends items`);
  return model.item;
}

/** `seller-churn` -> `SellerChurn`: how a model names its states. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());
}

/** `seller-churn` -> `sellerChurn`: how a model names its fields in a flow's state. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}
