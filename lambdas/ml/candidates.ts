/**
 * A trained candidate as stored between steps and in the registry: the
 * engine's model object plus what it was trained on and with. `predict`
 * is the one place that knows how each algorithm scores.
 */
import type { ModelName } from '../../pipelines/models/index.ts';
import { predictGradientBoosting, type GradientBoostingModel } from './engine/gradient-boosting.ts';
import type { RankerModel } from './engine/co-purchase.ts';
import { assignClusters, silhouetteScore, type KMeansModel } from './engine/k-means.ts';
import { predictLogisticRegression, type LogisticRegressionModel } from './engine/logistic-regression.ts';
import type { Matrix } from './engine/matrix.ts';

interface CandidateBase {
  readonly model: ModelName;
  readonly features: readonly string[];
  readonly parameters: Readonly<Record<string, unknown>>;
  /** What it learned from: rows, the training data's hash and its snapshots. */
  readonly trainedOn: {
    readonly rows: number;
    readonly sha256: string;
    readonly firstSnapshot: string;
    readonly lastSnapshot: string;
    /** How the train split was rebalanced before fitting (models.classifier.rebalance), when it was. */
    readonly rebalanced?: { readonly method: 'oversample'; readonly targetShare: number; readonly added: number };
  };
  readonly trainingSeconds: number;
  /** Seconds per step of training, logged for audit (seeds' clustering pipeline). */
  readonly timings: Readonly<Record<string, number>>;
  /** The engine that trained it: embedded (here) or a managed service. */
  readonly engine: 'embedded' | 'sagemaker' | 'databricks';
}

/**
 * A model trained by SageMaker's built-in XGBoost. It scores by batch
 * transform, not in-process: the collect step stores the transform's
 * predictions for the training set's rows, in that set's order.
 */
export interface ManagedXgboostArtifact {
  readonly kind: 'sagemaker-xgboost';
  readonly trainingJobName: string;
  readonly sageMakerModelName: string;
  readonly modelDataUrl: string;
  readonly predictions: readonly number[];
  readonly trainingSetSha256: string;
}

/**
 * A model trained by the Databricks XGBoost job (Azure): like SageMaker's, it
 * scores outside the function, by the same job in score mode, and holds the
 * job's predictions for the training set's rows.
 */
export interface DatabricksXgboostArtifact {
  readonly kind: 'databricks-xgboost';
  /** The booster (XGBoost JSON) in refined, which the scoring job loads. */
  readonly modelKey: string;
  readonly databricksRunId?: string;
  readonly mlflowRunId?: string;
  readonly xgboostVersion: string;
  readonly predictions: readonly number[];
  readonly trainingSetSha256: string;
}

export type Candidate =
  | (CandidateBase & { readonly algorithm: 'gradient-boosting'; readonly artifact: GradientBoostingModel })
  | (CandidateBase & { readonly algorithm: 'logistic-regression'; readonly artifact: LogisticRegressionModel })
  | (CandidateBase & { readonly algorithm: 'k-means'; readonly artifact: KMeansModel })
  | (CandidateBase & { readonly algorithm: 'xgboost'; readonly artifact: ManagedXgboostArtifact | DatabricksXgboostArtifact })
  | (CandidateBase & { readonly algorithm: 'co-purchase' | 'popularity'; readonly artifact: RankerModel });

/** A ranker's candidate: it recommends from histories (lambdas/ml/rank-model.ts) instead of scoring a matrix. */
export type RankerCandidate = Extract<Candidate, { algorithm: 'co-purchase' | 'popularity' }>;

/** Class probabilities (classifiers) or cluster numbers (clusterers), one per row. */
export function predict(candidate: Candidate, matrix: Matrix): Float64Array {
  switch (candidate.algorithm) {
    case 'gradient-boosting':
      return predictGradientBoosting(candidate.artifact, matrix);
    case 'logistic-regression':
      return predictLogisticRegression(candidate.artifact, matrix);
    case 'k-means':
      return Float64Array.from(assignClusters(candidate.artifact, matrix));
    case 'xgboost':
      // Only the rows the batch transform scored can be answered here.
      if (matrix.rows !== candidate.artifact.predictions.length) {
        throw new Error(
          candidate.artifact.kind === 'databricks-xgboost'
            ? `${candidate.model} ${candidate.artifact.modelKey} scores by its Databricks job; it holds predictions for ${candidate.artifact.predictions.length} rows, not these ${matrix.rows}`
            : `${candidate.model} ${candidate.artifact.sageMakerModelName} scores by SageMaker batch transform; it holds predictions for ${candidate.artifact.predictions.length} rows, not these ${matrix.rows}`,
        );
      }
      return Float64Array.from(candidate.artifact.predictions);
    case 'co-purchase':
    case 'popularity':
      throw new Error(`${candidate.model}: ${candidate.algorithm} recommends items from histories; it has no score per matrix row`);
  }
}

/** How well a clustering candidate's segments of these rows hold together (sampled silhouette, seeded). */
export function silhouetteOf(candidate: Candidate, matrix: Matrix, segments: ArrayLike<number>, seed: number): number {
  if (candidate.algorithm !== 'k-means') throw new Error(`${candidate.model}: ${candidate.algorithm} does not cluster; the silhouette measures clusterings`);
  return silhouetteScore(candidate.artifact, matrix, Int32Array.from(segments), { seed });
}
