import { catalogFor, type Catalog } from '../../pipelines/workloads/registry.ts';
import type { Environment, TrainingEngine } from '../../config/schema.ts';
import { trainingEngineOn } from '../../config/training-engine.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExperimentTracker } from '../ports/experiment-tracker.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import type { SecretStore } from '../ports/secret-store.ts';

/** The part of the environment file handlers read at run time, and the platform version they record. */
export type HandlerSettings = Pick<Environment, 'name' | 'workloads' | 'ingestion' | 'models' | 'quality'> & {
  /** The engine of the rendering the handlers run in (AWS's, Azure's, or the local one). */
  readonly trainingEngine: TrainingEngine;
  readonly platformVersion: string;
};

/** The settings handlers get from an environment file; the engine defaults to AWS's (config/training-engine.ts). */
export function handlerSettings(environment: Environment, platformVersion: string, trainingEngine: TrainingEngine = trainingEngineOn(environment, 'aws')): HandlerSettings {
  return {
    name: environment.name,
    workloads: environment.workloads,
    ingestion: environment.ingestion,
    models: environment.models,
    quality: environment.quality,
    trainingEngine,
    platformVersion,
  };
}

/** The tables, SQL models, sources and models of the environment's workloads. */
export function catalogOf(ports: Pick<HandlerPorts, 'settings'>): Catalog {
  return catalogFor(ports.settings.workloads);
}

/** What every handler is given: ports, adapted per cloud (or local), and its settings. */
export interface HandlerPorts {
  readonly store: ObjectStore;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  /** Where model runs are tracked: MLflow, or the lake's run store. */
  readonly tracker: ExperimentTracker;
  /** A query session; the handler closes it. */
  openEngine(): Promise<QueryEngine>;
  readonly settings: HandlerSettings;
}

/** A handler: an event in, a JSON result out. Results with rowsIn/rowsOut feed the per-step metrics. */
export type Handler = (event: unknown) => Promise<unknown>;

/** A result's rowsIn/rowsOut as the runtimes log and measure it: a finite number, else nothing. */
export const rowCount = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Reads a required string field of an event, or fails naming the handler and field. */
export function stringField(event: unknown, field: string, handler: string): string {
  const value = (event as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${handler}: event field "${field}" must be a non-empty string; got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A run option of an event (`fullRefresh`): true or "true" (a Data Factory
 * pipeline parameter arrives as text); absent or anything else is false.
 */
export function optionFlag(event: unknown, field: string): boolean {
  const value = (event as Record<string, unknown> | null)?.[field];
  return value === true || value === 'true';
}

export async function withEngine<T>(ports: HandlerPorts, work: (engine: QueryEngine) => Promise<T>): Promise<T> {
  const engine = await ports.openEngine();
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}
