/**
 * Runs the flows on this machine: the state machines `cdk synth` wrote,
 * executed by aws-local-stepfunctions, their Lambda tasks calling the same
 * handler code with local adapters (a folder for S3, DuckDB for Athena).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from '../../config/schema.ts';
import { DuckDbDatabase } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { HANDLER_FACTORIES, type Handler } from '../../lambdas/handlers/index.ts';
import { ObjectStoreTracker } from '../../lambdas/adapters/tracking/object-store-tracker.ts';
import type { ExperimentTracker } from '../../lambdas/ports/experiment-tracker.ts';
import { HANDLERS, ingestFlow, type FlowDefinition, type HandlerName } from '../../pipelines/flows/index.ts';
import { HandlerWorkers } from './handler-workers.ts';
import { asStepResult, localHandlerPorts, type LocalPortsOptions } from './local-ports.ts';
import { ASL_VALIDATION, type SynthesizedFlow } from './synthesized-flows.ts';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); this is its
// specified behaviour for Node 20, which the machines here run.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolvePromise!: (value: T) => void;
      let rejectPromise!: (reason?: unknown) => void;
      const promise = new Promise<T>((resolveFn, rejectFn) => {
        resolvePromise = resolveFn;
        rejectPromise = rejectFn;
      });
      return { promise, resolve: resolvePromise, reject: rejectPromise };
    },
  });
}

export interface StateRecord {
  readonly flow: string;
  /** The state, and for a Map iteration its item: `BuildTrustedTable[orders]`. */
  readonly name: string;
  readonly seconds: number;
  readonly rowsIn: number | null;
  readonly rowsOut: number | null;
  readonly quarantined: number | null;
  readonly status: 'succeeded' | 'failed';
  /** The step ran in a worker thread (a large drop's unpack). */
  readonly inWorkerThread: boolean;
}

export interface FlowOutcome {
  readonly flow: string;
  readonly status: 'succeeded' | 'failed';
  readonly error?: string;
  readonly output?: unknown;
}

export interface LocalRunOptions {
  readonly environment: Environment;
  /** Recorded in what the run registers (model cards). */
  readonly platformVersion: string;
  /** Where model runs are tracked. @default - the lake's run store (refined/_ml/tracking) */
  readonly tracker?: ExperimentTracker;
  readonly flows: readonly SynthesizedFlow[];
  readonly lake: string;
  /** Files put in the landing area before the flows start. @default - none */
  readonly landingFiles?: readonly string[];
  readonly runId?: string;
  /** Called as each state finishes. */
  readonly onState?: (state: StateRecord) => void;
  /** Retry waits, in ms, instead of the definition's backoff (tests). @default - as defined */
  readonly retryIntervalMs?: number;
  /** Start each state machine with `{ "fullRefresh": true }`: rebuild from all staged raw, not the increment. @default false */
  readonly fullRefresh?: boolean;
  /** The definitions were validated when they were synthesized (`loadSynthesizedFlows`): do not validate them again. @default false */
  readonly definitionsValidated?: boolean;
  /**
   * Drops at least this large are unpacked in worker threads (at most two, one
   * per core), so the ingest Map's two items at a time parse on two cores as two
   * Lambdas would; smaller drops are unpacked in the runner, with no thread to start.
   * @default 8 MiB
   */
  readonly workerDropBytes?: number;
}

export const DEFAULT_WORKER_DROP_BYTES = 8 * 1024 * 1024;

/** The most items at once of the flow's map steps that run `handler` (1 when none does). */
export function mapConcurrencyOf(flow: Pick<SynthesizedFlow, 'flow'>, handler: HandlerName, definitions: readonly FlowDefinition[] = [ingestFlow]): number {
  const definition = definitions.find((candidate) => candidate.name === flow.flow);
  const maps = (definition?.steps ?? []).filter((step) => step.kind === 'map' && step.step.handler === handler);
  return Math.max(1, ...maps.map((step) => (step.kind === 'map' ? step.maxConcurrency : 1)));
}

export interface LocalRunResult {
  readonly runId: string;
  readonly states: StateRecord[];
  readonly outcomes: FlowOutcome[];
  readonly notifications: unknown[];
  /** Every handler call's result, in completion order. */
  readonly taskResults: { readonly handler: HandlerName; readonly result: unknown }[];
}

const DROP_SUFFIXES = ['.csv', '.csv.gz', '.zip'];

/** Files of a folder a user would drop into landing: CSVs and archives of them. */
export async function dropFilesIn(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((name) => DROP_SUFFIXES.some((suffix) => name.toLowerCase().endsWith(suffix))).sort();
  return names.map((name) => join(folder, name));
}

/**
 * `run-<UTC time to the millisecond>-<6 hex>`, e.g. `run-20261203T135503123Z-ab12cd`: run reports sort by
 * name in start order. To the second only, a run started within the second the previous one started (a small
 * ingest takes less) sorted by its random suffix, and "the latest report" was the wrong one.
 */
export function newRunId(now = new Date()): string {
  return `run-${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

const numberOr = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

interface EventState {
  name: string;
  input?: unknown;
  output?: unknown;
}

export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const { StateMachine } = await import('aws-local-stepfunctions');
  const lake = resolve(options.lake);
  const runId = options.runId ?? newRunId();
  const store = new FolderObjectStore(lake);
  for (const file of options.landingFiles ?? []) {
    const name = file.split(/[\\/]/).pop()!;
    await mkdir(join(lake, 'raw', 'landing'), { recursive: true });
    await copyFile(file, store.pathOf('raw', `landing/${name}`));
  }

  const database = await DuckDbDatabase.open();
  const portsOptions: LocalPortsOptions = {
    store,
    environment: options.environment,
    platformVersion: options.platformVersion,
    tracker: options.tracker ?? new ObjectStoreTracker(store),
    openEngine: (handlerClass) => database.session(lake, { handlerClass }),
  };
  const handlers = new Map<HandlerName, Handler>();
  const handlerFor = (name: HandlerName) => {
    if (!handlers.has(name)) handlers.set(name, HANDLER_FACTORIES[name](localHandlerPorts(portsOptions, HANDLERS[name].handlerClass)));
    return handlers.get(name)!;
  };
  // As many threads as the flows unpack drops at once, and no more than the cores.
  const workers = new HandlerWorkers(
    { lake, environment: options.environment, platformVersion: options.platformVersion },
    Math.min(availableParallelism(), ...options.flows.map((flow) => mapConcurrencyOf(flow, 'unpack-file-drop'))),
  );
  /** Handler calls still running: a failed Map item fails the execution at once, while Lambda lets its siblings finish. */
  const inFlight = new Set<Promise<unknown>>();
  const workerDropBytes = options.workerDropBytes ?? DEFAULT_WORKER_DROP_BYTES;
  /** Whether a step's item is a drop large enough to unpack in a worker. */
  const unpackedInWorkers = new Set<string>();
  const inWorker = async (name: HandlerName, input: unknown): Promise<boolean> => {
    const landingKey = (input as { landingKey?: unknown } | null)?.landingKey;
    if (name !== 'unpack-file-drop' || typeof landingKey !== 'string') return false;
    const listed = (await store.list('raw', landingKey)).find((object) => object.key === landingKey);
    if (listed === undefined || listed.sizeBytes < workerDropBytes) return false;
    unpackedInWorkers.add(landingKey);
    return true;
  };

  const states: StateRecord[] = [];
  const outcomes: FlowOutcome[] = [];
  const notifications: unknown[] = [];
  const taskResults: { handler: HandlerName; result: unknown }[] = [];
  try {
    for (const flow of options.flows) {
      const localHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
      const retryIntervals: Record<string, number> = {};
      const startedAt = new Date();
      const executionId = `local:${flow.stateMachineName}:${runId}`;
      const stateMachineId = `local:${flow.stateMachineName}`;
      for (const [state, target] of flow.taskTargets) {
        if (options.retryIntervalMs !== undefined) retryIntervals[state] = options.retryIntervalMs;
        if (target === 'runningExecutions') {
          // The overlap guard's ListExecutions, answered from the local situation:
          // this run holds the lake lock (lake-lock.ts), so the only running
          // execution of this flow on this lake is this one. In the SDK's shape.
          localHandlers[state] = async () => ({
            Executions: [{ ExecutionArn: executionId, StateMachineArn: stateMachineId, Name: runId, Status: 'RUNNING', StartDate: startedAt.toISOString() }],
          });
          continue;
        }
        localHandlers[state] =
          target === 'notify'
            ? async (input) => {
                notifications.push(input);
                return { MessageId: `local-${notifications.length}` };
              }
            : async (input) => {
                const call = (async () => ((await inWorker(target, input)) ? workers.run(target, input) : asStepResult(await handlerFor(target)(input))))();
                inFlight.add(call);
                try {
                  const result = await call;
                  taskResults.push({ handler: target, result });
                  return result;
                } finally {
                  inFlight.delete(call);
                }
              };
      }
      const machine = new StateMachine(flow.definition as never, { validationOptions: { ...ASL_VALIDATION, noValidate: options.definitionsValidated ?? false } });
      const input: Record<string, boolean> = options.fullRefresh ? { fullRefresh: true } : {};
      const execution = machine.run(
        input,
        {
          overrides: { taskResourceLocalHandlers: localHandlers as never, retryIntervalOverrides: retryIntervals },
          context: {
            Execution: { Id: executionId, Name: runId, StartTime: startedAt.toISOString(), Input: input, RoleArn: 'local' },
            StateMachine: { Id: stateMachineId, Name: flow.stateMachineName },
          } as never,
        },
      );
      const entered = new Map<string, number>();
      const keyOf = (state: EventState, index?: number) => `${state.name}#${index ?? ''}`;
      const itemLabel = (state: EventState, index?: number) => {
        if (index === undefined) return state.name;
        const input = state.input as Record<string, unknown> | undefined;
        const item = input?.table ?? input?.landingKey ?? index;
        return `${state.name}[${String(item).replace(/^landing\//, '')}]`;
      };
      const logs = (async () => {
        for await (const event of execution.eventLogs as AsyncIterable<Record<string, unknown>>) {
          const state = event.state as EventState | undefined;
          const index = event.index as number | undefined;
          // The run's steps; not the overlap guard, which is no step of the flow.
          if (!state || !flow.taskTargets.has(state.name) || flow.taskTargets.get(state.name) === 'runningExecutions') continue;
          if (event.type === 'StateEntered') entered.set(keyOf(state, index), event.timestamp as number);
          if (event.type === 'StateExited' || event.type === 'StateFailed') {
            const started = entered.get(keyOf(state, index)) ?? (event.timestamp as number);
            const output = (event.type === 'StateExited' ? state.output : undefined) as Record<string, unknown> | undefined;
            const result = flow.taskTargets.get(state.name) === 'notify' ? undefined : resultIn(output, flow.resultPaths.get(state.name));
            const record: StateRecord = {
              flow: flow.flow,
              name: itemLabel(state, index),
              seconds: ((event.timestamp as number) - started) / 1000,
              rowsIn: numberOr(result?.rowsIn),
              rowsOut: numberOr(result?.rowsOut),
              quarantined: numberOr(result?.quarantined),
              status: event.type === 'StateExited' ? 'succeeded' : 'failed',
              inWorkerThread: unpackedInWorkers.has(String((state.input as { landingKey?: unknown } | undefined)?.landingKey)),
            };
            states.push(record);
            options.onState?.(record);
          }
        }
      })();
      try {
        const output = await execution.result;
        outcomes.push({ flow: flow.flow, status: 'succeeded', output });
      } catch (error) {
        const cause = (error as { cause?: { message?: string; cause?: string } }).cause;
        outcomes.push({ flow: flow.flow, status: 'failed', error: cause?.cause ?? cause?.message ?? (error as Error).message });
      }
      await logs;
      await Promise.allSettled([...inFlight]);
      // Their heaps would stay with the process through the next flow's DuckDB work.
      await workers.close();
      if (outcomes.at(-1)!.status === 'failed') break;
    }
  } finally {
    await Promise.allSettled([...inFlight]);
    database.close();
    await workers.close();
  }
  return { runId, states, outcomes, notifications, taskResults };
}

/** A task's result: at its ResultPath (`$.landing`) in the state output, or the output itself. */
function resultIn(output: Record<string, unknown> | undefined, resultPath: string | undefined): Record<string, unknown> | undefined {
  const value = resultPath === undefined || resultPath === '$' ? output : output?.[resultPath.replace(/^\$\./, '')];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Writes `<lake>/_runs/<run>.json` aside, then renames it into place: a reader never sees half a report. */
export async function writeRunReport(lake: string, runId: string, report: unknown): Promise<string> {
  const path = join(resolve(lake), '_runs', `${runId}.json`);
  await mkdir(join(resolve(lake), '_runs'), { recursive: true });
  const aside = join(resolve(lake), '_runs', `.${runId}.json.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(aside, `${JSON.stringify(report, null, 2)}\n`);
    await rename(aside, path);
  } catch (error) {
    // A full or read-only lake: the message names the report, and no half-written one is left.
    const failure = error as NodeJS.ErrnoException;
    if (failure.code && !failure.path) failure.path = path;
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
  return path;
}
