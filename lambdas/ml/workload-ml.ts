/**
 * The steps of the retrain flow a workload writes itself, because they know
 * its data: building its feature store, building a model's training set,
 * and naming the rows to score. Everything after (train, evaluate, gate,
 * register, score) is the platform's, the same for every model. A workload
 * with models lists these in workloads/ml.ts.
 */
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { Catalog, Workload } from '../../pipelines/workloads/registry.ts';
import { WORKLOAD_ML } from '../../workloads/ml.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';

/** What a feature or training-set build reports; a workload may add its own fields. */
export interface StepCounts {
  /** Rows of the tables it read. */
  readonly rowsIn: number;
  readonly rowsOut: number;
}

export interface WorkloadMl {
  /** Builds (or brings up to date) the workload's feature store. */
  buildFeatures(engine: QueryEngine, store: ObjectStore, options: { runId: string; now?: Date }): Promise<StepCounts>;
  /** Rebuilds a model's training set (`model.trainingSet` in refined) from the feature store. */
  buildTrainingSet(engine: QueryEngine, model: ModelDefinition, settings: ModelSettings): Promise<StepCounts>;
  /**
   * A relation (parenthesized select) of the rows a model scores: its
   * entity, `dt_reference` and the features of its training set (the
   * platform reads them by name). Churn: the sellers active at the latest
   * snapshot; order delay: the orders not yet delivered. `settings` are the
   * model's own (config/model-settings.ts), for a relation that depends on
   * them (seller activation's window).
   */
  scoringRelation(engine: QueryEngine, model: ModelDefinition, settings: ModelSettings): string;
}

/** The workload a model belongs to. */
export function workloadWithModel(catalog: Catalog, model: Pick<ModelDefinition, 'name'>): Workload {
  const workload = catalog.workloads.find((candidate) => (candidate.code.models ?? []).some((each) => each.name === model.name));
  if (!workload) throw new RangeError(`model "${model.name}" belongs to none of the workloads ${catalog.workloads.map((each) => each.name).join(', ')}`);
  return workload;
}

/** The ML steps of the workload a model belongs to. */
export function workloadMlOf(catalog: Catalog, model: Pick<ModelDefinition, 'name'>): WorkloadMl {
  const workload = workloadWithModel(catalog, model);
  const ml = WORKLOAD_ML[workload.name];
  if (!ml) throw new RangeError(`workloads/${workload.name} has models but no ML steps in workloads/ml.ts`);
  return ml;
}

/** The ML steps of every workload of a catalog that has models, by workload name. */
export function workloadMls(catalog: Catalog): [string, WorkloadMl][] {
  return catalog.workloads.filter((workload) => (workload.code.models ?? []).length > 0).map((workload) => [workload.name, workloadMlOf(catalog, workload.code.models![0]!)]);
}
