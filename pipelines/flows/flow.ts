/**
 * Flows, cloud-neutral: which handler runs when, over which items. The AWS
 * stack renders them as Step Functions state machines (which the local
 * runner then executes), the Azure stack as its own orchestration.
 */
import type { Environment, HandlerClass } from '../../config/schema.ts';
import type { ModelName } from '../models/model.ts';

/** Every handler a flow can call; each is one function (Lambda / Azure Function) with its class's access. */
export const HANDLERS = {
  'list-landing': { handlerClass: 'ingest', description: 'Lists the file drops waiting in the raw landing area.' },
  'unpack-file-drop': { handlerClass: 'ingest', description: 'Unpacks one file drop (CSV, .csv.gz, .zip) into raw, or refuses it.' },
  'poll-api': { handlerClass: 'ingest', description: 'Polls the HTTP JSON sources into raw as JSON lines.' },
  'find-new-data': { handlerClass: 'transform', description: 'Tells whether a process run has anything to do: staged files not merged yet, or a feed gone stale.' },
  'build-trusted': { handlerClass: 'transform', description: 'Rebuilds one trusted table from raw; quarantines bad rows.' },
  'build-refined': { handlerClass: 'transform', description: 'Rebuilds one refined table from trusted.' },
  'check-quality': { handlerClass: 'quality', description: 'Evaluates the data-quality rules; an error-severity failure stops the flow.' },
  'build-features': { handlerClass: 'ml', description: 'Builds the feature-store snapshots that are missing or were built before their data was complete.' },
  'build-training-set': { handlerClass: 'ml', description: 'Builds a model’s training set (the churn ABT, the segmentation base) from the feature store.' },
  'train-model': { handlerClass: 'ml', description: 'Trains a model’s candidates on the embedded engine.' },
  'export-training-data': { handlerClass: 'ml', description: 'Writes a model’s training set as the CSV files a managed training job reads.' },
  'evaluate-model': { handlerClass: 'ml', description: 'Evaluates a model’s candidates (AUC, KS, lift or silhouette), picks the challenger and draws its charts.' },
  'gate-model': { handlerClass: 'ml', description: 'Promotes the challenger unless it is worse than the champion by more than the configured margin.' },
  'register-model': { handlerClass: 'ml', description: 'Registers the new model version with its metrics and lineage, and tracks the run.' },
  'score-model': { handlerClass: 'ml', description: 'Scores the latest snapshot with the champion into refined.' },
  'collect-managed-model': { handlerClass: 'ml', description: 'Records a managed training job’s model (SageMaker or Databricks) and its predictions as a candidate.' },
  'export-scoring-data': { handlerClass: 'ml', description: 'Writes the latest snapshot as the CSV a managed batch transform scores.' },
  'load-managed-scores': { handlerClass: 'ml', description: 'Loads a managed batch transform’s scores into refined.' },
} as const satisfies Record<string, { handlerClass: HandlerClass; description: string }>;

export type HandlerName = keyof typeof HANDLERS;

/**
 * Values a step passes to its handler. `$.x` reads the flow's state,
 * `$$.Execution.Name` the run id, `$$.Map.Item.Value` the current item and
 * `$$.Map.Item.Value.<field>` a field of it; anything else is a literal.
 */
export type StepInput = Readonly<Record<string, string>>;

export interface TaskStep {
  readonly kind: 'task';
  /** Unique within the flow; it is the state's name. */
  readonly name: string;
  readonly handler: HandlerName;
  readonly input: StepInput;
  /** Where the handler's result goes in the flow's state, e.g. `$.landing`. */
  readonly resultPath: string;
  /**
   * A managed service may run this step instead of the handler when the
   * environment selects one (`sizing.training.engine`: sagemaker on AWS,
   * databricks on Azure): the renderings replace it with that service's jobs
   * for this model, between the handlers that export for and collect from them.
   * @default - always the handler
   */
  readonly managed?: { readonly job: 'training' | 'scoring'; readonly model: ModelName };
}

export interface MapStep {
  readonly kind: 'map';
  readonly name: string;
  /** Items from the flow's state (`$.landing.drops`) or a fixed list known at synth time. */
  readonly items: { readonly path: string } | { readonly values: readonly string[] };
  /** At most this many items at once. */
  readonly maxConcurrency: number;
  /** Runs once per item, which its input reads as `$$.Map.Item.Value` (or `$$.Map.Item.Value.<field>`). */
  readonly step: Omit<TaskStep, 'resultPath'>;
  /**
   * Where the map's result goes: on AWS `{ items: <how many> }`, not the
   * items' results, which would grow the state past STATE_PAYLOAD_MAX_BYTES
   * with the number of items (a Data Factory ForEach has no output at all).
   */
  readonly resultPath: string;
  /**
   * An item that fails (after its retries) fails neither the others nor the
   * run: the map waits for every item and the flow goes on to the next step,
   * which finds out from the lake what each item wrote (one table failing
   * does not stop the others).
   * @default false - the first failed item fails the map and the run
   */
  readonly toleratesItemFailures?: boolean;
}

/** Publishes a summary of the run to the flow's notification topic (failures have their own path). */
export interface NotifyStep {
  readonly kind: 'notify';
  readonly name: string;
  readonly subject: string;
  /** The message's fields, read like a task's input. */
  readonly message: StepInput;
}

/**
 * Ends the run at once, succeeded, unless the boolean at `path` (a previous
 * task's result) is true; the rest of the steps run only then. The run's
 * log says why, from `reasonPath`.
 */
export interface ContinueIfStep {
  readonly kind: 'continue-if';
  readonly name: string;
  /** `$.<result>.<field>`, a boolean. */
  readonly path: string;
  /** `$.<result>.<field>`, a one-line reason for the log. */
  readonly reasonPath: string;
}

export type FlowStep = TaskStep | MapStep | NotifyStep | ContinueIfStep;

export const FLOW_NAMES = ['ingest', 'process', 'retrain'] as const;
export type FlowName = (typeof FLOW_NAMES)[number];

/** Where steps read a run option: `$.options.<name>` (see FlowDefinition.options). */
export const OPTIONS_PATH = '$.options';
export const optionInput = (name: string) => `${OPTIONS_PATH}.${name}`;

export interface FlowDefinition {
  readonly name: FlowName;
  /**
   * Options a run may be started with, and their defaults: the execution
   * input on AWS (merged over the defaults by the first state), pipeline
   * parameters on Azure, `strata run` flags locally. Steps read them as
   * `optionInput(<name>)`.
   * @default - none
   */
  readonly options?: Readonly<Record<string, boolean>>;
  readonly description: string;
  /** The config schedule (schedules.<name>) that starts it. */
  readonly schedule: keyof Environment['schedules'];
  /**
   * A file landing under raw's `landing/` starts it too (S3 EventBridge
   * notifications on AWS, a storage event trigger on Azure): the schedule is
   * then only a sweep for lost events.
   * @default false
   */
  readonly startsOnLanding?: boolean;
  /**
   * The steps run again while this list, as the last pass left it, is not
   * empty: a run goes on until a pass finds nothing. A run started by an event
   * while another runs is skipped on AWS (one run at a time), so the running
   * one must pick up what landed after it listed. On Azure the factory queues
   * such a run instead (pipeline concurrency 1), so it is not rendered there.
   * @default - one pass
   */
  readonly repeatWhileAny?: string;
  /** Run in order; any step failing (after its retries) notifies and fails the run. */
  readonly steps: readonly FlowStep[];
}

/** Errors a retry cannot fix: the flow fails at once instead of retrying them. */
/**
 * The most a state's input or output may hold in Step Functions (256 KiB);
 * a step whose result grows with the data (a listing) keeps well under it.
 */
export const STATE_PAYLOAD_MAX_BYTES = 256 * 1024;

export const NON_RETRYABLE_ERRORS = ['QualityGateFailed', 'TableInputError'] as const;
