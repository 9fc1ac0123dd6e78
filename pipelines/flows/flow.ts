/**
 * Flows, cloud-neutral: which handler runs when, over which items. The AWS
 * stack renders them as Step Functions state machines (which the local
 * runner then executes), the Azure stack as its own orchestration.
 */
import type { HandlerClass } from '../../config/schema.ts';

/** Every handler a flow can call; each is one function (Lambda / Azure Function) with its class's access. */
export const HANDLERS = {
  'list-landing': { handlerClass: 'ingest', description: 'Lists the file drops waiting in the raw landing area.' },
  'unpack-file-drop': { handlerClass: 'ingest', description: 'Unpacks one file drop (CSV, .csv.gz, .zip) into raw, or refuses it.' },
  'poll-api': { handlerClass: 'ingest', description: 'Polls the HTTP JSON sources into raw as JSON lines.' },
  'build-trusted': { handlerClass: 'transform', description: 'Rebuilds one trusted table from raw; quarantines bad rows.' },
  'build-refined': { handlerClass: 'transform', description: 'Rebuilds one refined table from trusted.' },
  'check-quality': { handlerClass: 'quality', description: 'Evaluates the data-quality rules; an error-severity failure stops the flow.' },
} as const satisfies Record<string, { handlerClass: HandlerClass; description: string }>;

export type HandlerName = keyof typeof HANDLERS;

/**
 * Values a step passes to its handler. `$.x` reads the flow's state,
 * `$$.Execution.Name` the run id, `$$.Map.Item.Value` the current item;
 * anything else is a literal.
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
}

export interface MapStep {
  readonly kind: 'map';
  readonly name: string;
  /** Items from the flow's state (`$.landing.keys`) or a fixed list known at synth time. */
  readonly items: { readonly path: string } | { readonly values: readonly string[] };
  /** At most this many items at once. */
  readonly maxConcurrency: number;
  /** Runs once per item, which its input reads as `$$.Map.Item.Value`. */
  readonly step: Omit<TaskStep, 'resultPath'>;
  readonly resultPath: string;
}

export type FlowStep = TaskStep | MapStep;

export interface FlowDefinition {
  readonly name: 'ingest' | 'process';
  readonly description: string;
  /** The config schedule (schedules.<name>) that starts it. */
  readonly schedule: 'ingest' | 'process' | 'retrain';
  /** Run in order; any step failing (after its retries) notifies and fails the run. */
  readonly steps: readonly FlowStep[];
}

/** Errors a retry cannot fix: the flow fails at once instead of retrying them. */
export const NON_RETRYABLE_ERRORS = ['QualityGateFailed', 'TableInputError'] as const;
