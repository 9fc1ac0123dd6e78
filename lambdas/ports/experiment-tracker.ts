/** One training run as the platform records it, whichever tracker keeps it. */
export interface TrackedRun {
  /** Experiment name, `<environment>/<model>`, e.g. `strata-dev/seller-churn`. */
  readonly experiment: string;
  /** e.g. `seller-churn v3`. */
  readonly runName: string;
  /** ISO 8601 instants. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly status: 'FINISHED' | 'FAILED';
  /** Hyperparameters, feature count, snapshot range... Keys: letters, digits, `_ - . / space` (MLflow's rule). */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** auc_train, auc_test, auc_oot, f1, ks...: finite numbers, same key rule. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Model name/version, engine, platform version, training data sha256, promoted; same key rule. */
  readonly tags: Readonly<Record<string, string>>;
  /** Model card JSON, SVG plots; may be empty. Names are relative paths (`plots/roc.svg`). */
  readonly artifacts: readonly TrackedArtifact[];
}

export interface TrackedArtifact {
  readonly name: string;
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

/** Where a run was recorded. `runId`/`experimentId` are the tracker's own ids. */
export interface TrackedRunRef {
  readonly tracker: 'local' | 'mlflow';
  readonly runId: string;
  readonly experimentId: string;
  /** A link to the run, when the tracker has a stable one. */
  readonly url?: string;
}

/**
 * Experiment tracking as the handlers see it: MLflow over REST (SageMaker
 * MLflow on AWS, Databricks on Azure) or a run store in the lake (local, or
 * `mlflow.mode: off`). Every tracker accepts and rejects the same runs.
 */
export interface ExperimentTracker {
  /** Records a finished (or failed) run in one call; throws, naming the field or the endpoint, when it cannot. */
  logRun(run: TrackedRun): Promise<TrackedRunRef>;
}
