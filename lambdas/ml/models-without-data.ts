/**
 * A workload enabled before its data arrives (a poller not yet deployed, a
 * feed that starts next month) has models but nothing to train them on. Its
 * retrain steps are skipped, said so in the run's results, instead of
 * failing the flow for every other model: the training-set step looks at the
 * workload's trusted tables and, when none holds a row, leaves a marker under
 * the run that every later step of that model reads first.
 *
 * A model may also require tables of its own (`requires`: Olist's seller
 * activation needs the marketing funnel's closed deals, which the Olist
 * sample lacks). Only "no row at all" skips: a workload with data that
 * cannot make a training set (nothing labelled yet) still fails, with its
 * own error.
 */
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import { rowsOf } from '../../pipelines/contract/table-pointer.ts';
import type { Workload } from '../../pipelines/workloads/registry.ts';
import { TableStore } from '../lake/table-store.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { readJsonIfPresent, runPrefix, writeJson } from './model-artifacts.ts';

/** What a skipped step returns in place of its result; `summary` is what the notification and the run's report show. */
export interface SkippedStep {
  readonly model: string;
  readonly skipped: string;
  readonly summary: string;
  readonly rowsIn: 0;
  readonly rowsOut: 0;
}

const markerKey = (runId: string, model: string) => `${runPrefix(runId, model)}/skipped.json`;

/**
 * Why a workload has nothing to train on: none of its source tables (the
 * ones loaded from files) has a committed row in trusted; undefined when one has.
 */
export async function noDataReason(store: ObjectStore, workload: Pick<Workload, 'name' | 'datasets'>): Promise<string | undefined> {
  const sources = workload.datasets.filter((dataset) => dataset.layer === 'trusted' && dataset.sourceFile !== undefined);
  if (sources.length === 0) return undefined;
  const pointers = new TableStore(store);
  for (const dataset of sources) {
    if (rowsOf(await pointers.read('trusted', dataset.name)) > 0) return undefined;
  }
  const names = sources.map((dataset) => dataset.name);
  const tables = names.length === 1 ? `trusted ${names[0]}` : `any of its ${names.length} trusted tables (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
  return `no data yet: workload ${workload.name} has no row in ${tables}`;
}

/** Why a model has nothing to train on although its workload has data: a table it requires has no committed row in trusted. */
export async function missingRequirementReason(store: ObjectStore, model: Pick<ModelDefinition, 'name' | 'requires'>): Promise<string | undefined> {
  const pointers = new TableStore(store);
  for (const table of model.requires ?? []) {
    if (rowsOf(await pointers.read('trusted', table)) === 0) return `no data yet: model ${model.name} requires rows in trusted ${table}, which has none`;
  }
  return undefined;
}

export function skippedStep(model: Pick<ModelDefinition, 'name'>, reason: string): SkippedStep {
  return { model: model.name, skipped: reason, summary: `${model.name}: not trained, ${reason}`, rowsIn: 0, rowsOut: 0 };
}

/** Marks a model's run as skipped: its later steps return `skippedStep` instead of running. */
export async function markSkipped(store: ObjectStore, runId: string, model: Pick<ModelDefinition, 'name'>, reason: string): Promise<SkippedStep> {
  await writeJson(store, markerKey(runId, model.name), { model: model.name, reason });
  return skippedStep(model, reason);
}

/** Why this run skips the model, when its training-set step said so. */
export async function skipReasonOf(store: ObjectStore, runId: string, model: Pick<ModelDefinition, 'name'>): Promise<string | undefined> {
  return (await readJsonIfPresent<{ reason: string }>(store, markerKey(runId, model.name)))?.reason;
}
