/**
 * Runs per month of each flow, from the environment's schedules (and, for
 * ingest, the usage profile's file drops): the one count every line that
 * scales with flow runs multiplies, so Lambda, Step Functions, Athena,
 * SageMaker, Azure Functions and the pipelines warehouse agree on it.
 */
import type { Environment, HandlerClass } from '../../config/schema.ts';
import { catalogFor } from '../../pipelines/workloads/registry.ts';
import { qty } from '../format/money.ts';
import { runsPerMonth, ScheduleError } from './schedules.ts';
import type { UsageProfile } from './usage.ts';

export type Flow = 'ingest' | 'process' | 'retrain';

/** Runs per month of each flow, and polls of the API poller (which runs on its own schedule, not in a flow). */
export type FlowRuns = Record<Flow | 'polls', number>;

/** The flow whose runs call a handler class. */
export const FLOW_OF: Record<HandlerClass, Flow> = { ingest: 'ingest', transform: 'process', quality: 'process', ml: 'retrain' };

/** Runs per month of a schedule expression; one the counter cannot read is noted and counted as 0. */
export function runs(expression: string, notes: string[], what: string): number {
  try {
    return runsPerMonth(expression);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    notes.push(`${what}: ${error.message}; counted as 0 runs`);
    return 0;
  }
}

/** The ingest flow runs on each file drop (event-driven) and on its sweep schedule; the others on their schedules. */
export function flowRunsOf(env: Environment, usage: UsageProfile, notes: string[]): FlowRuns {
  // Workloads without models have no retrain flow, and without HTTP sources nothing to poll: neither runs.
  const catalog = catalogFor(env.workloads);
  const hasModels = catalog.models.length > 0;
  const hasSources = catalog.sources(env.name).length > 0;
  if (!hasModels) notes.push(`retrain: the workloads (${env.workloads.join(', ')}) have no models, so there is no retrain flow; counted as 0 runs`);
  if (!hasSources) notes.push(`API polls: the workloads (${env.workloads.join(', ')}) have no HTTP sources; counted as 0 polls`);
  return {
    ingest: runs(env.schedules.ingestSweep, notes, 'schedules.ingestSweep') + usage.ingestion.fileDropsPerMonth,
    process: runs(env.schedules.process, notes, 'schedules.process'),
    retrain: hasModels ? runs(env.schedules.retrain, notes, 'schedules.retrain') : 0,
    polls: hasSources ? runs(env.schedules.ingest, notes, 'schedules.ingest') : 0,
  };
}

/** Where a flow's runs come from, for a formula: its schedule, and for ingest the file drops that start it. */
export function flowRunsText(flow: Flow, env: Environment, usage: UsageProfile): string {
  if (flow === 'ingest') return `schedules.ingestSweep ${env.schedules.ingestSweep} + ${qty(usage.ingestion.fileDropsPerMonth)} file drops, usage ingestion.fileDropsPerMonth`;
  return `schedules.${flow} ${env.schedules[flow]}`;
}

/** Calls of a handler class per month: its flow's runs x calls per run, and for ingest also one per API poll. */
export function callsOf(handlerClass: HandlerClass, flowRuns: FlowRuns, perRun: number, env: Environment, usage: UsageProfile): { count: number; text: string } {
  const flow = FLOW_OF[handlerClass];
  const flowCalls = flowRuns[flow] * perRun;
  const flowText = `${qty(flowRuns[flow])} ${flow} runs (${flowRunsText(flow, env, usage)}) x ${qty(perRun)}`;
  if (handlerClass !== 'ingest') return { count: flowCalls, text: flowText };
  return { count: flowCalls + flowRuns.polls, text: `${flowText} + ${qty(flowRuns.polls)} API polls (schedules.ingest ${env.schedules.ingest})` };
}
