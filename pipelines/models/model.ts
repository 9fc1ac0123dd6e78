/**
 * A model definition: what the retrain flow trains, how it is judged and
 * where its scores land, cloud-neutral. The flow runs every definition
 * through the same steps (training set -> train -> evaluate -> gate ->
 * register -> score); the kind decides which algorithms and metrics apply.
 */

/** How a classifier's training set is split: fit, held-out test, and the out-of-time snapshots. */
export const SPLITS = ['train', 'test', 'oot'] as const;
export type Split = (typeof SPLITS)[number];

export const MODEL_NAMES = ['seller-churn', 'seller-segments'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Algorithms of the embedded engine (lambdas/ml/engine). */
export type EmbeddedAlgorithm = 'gradient-boosting' | 'logistic-regression' | 'k-means';

export interface ModelDefinition {
  readonly name: ModelName;
  /** classifier: a label and AUC; clusterer: no label, silhouette. */
  readonly kind: 'classifier' | 'clusterer';
  readonly description: string;
  /** The refined table its training set is built into (sql/ml/<table>.sql of its workload). */
  readonly trainingSet: string;
  /** The refined table its scores land in, partitioned by dt_score and model. */
  readonly scoresTable: string;
  /** Candidates trained on the embedded engine; the evaluation picks the challenger among them. */
  readonly algorithms: readonly EmbeddedAlgorithm[];
  /**
   * What a managed engine (SageMaker on AWS) trains instead, when the
   * environment selects one.
   * @default - always trained by the embedded engine
   */
  readonly managedAlgorithm?: 'xgboost';
  /** The metric the promotion gate compares with the champion's; higher is better. */
  readonly gateMetric: 'auc_oot' | 'silhouette';
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
