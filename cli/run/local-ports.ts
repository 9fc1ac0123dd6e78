/**
 * The ports a handler gets on this machine, in the runner and in its worker
 * threads alike: the lake folder through the handler class's grants
 * (pipelines/access.ts), as IAM and RBAC enforce them in the cloud.
 */
import type { Environment, HandlerClass } from '../../config/schema.ts';
import { EnvironmentSecretStore } from '../../lambdas/adapters/local/environment-secret-store.ts';
import type { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { AccessDeniedError, GrantCheckedObjectStore } from '../../lambdas/adapters/local/grant-checked-object-store.ts';
import { localTrainingEngine } from '../../config/training-engine.ts';
import { handlerSettings, type HandlerPorts } from '../../lambdas/handlers/index.ts';
import type { ExperimentTracker } from '../../lambdas/ports/experiment-tracker.ts';
import { systemClock } from '../../lambdas/ports/clock.ts';
import type { QueryEngine } from '../../lambdas/ports/query-engine.ts';
import { HANDLER_ACCESS } from '../../pipelines/access.ts';

export interface LocalPortsOptions {
  readonly store: FolderObjectStore;
  readonly environment: Environment;
  readonly platformVersion: string;
  readonly tracker: ExperimentTracker;
  /** A query session for the class; not asked for a class without `queries`. */
  readonly openEngine: (handlerClass: HandlerClass) => Promise<QueryEngine>;
}

export function localHandlerPorts(options: LocalPortsOptions, handlerClass: HandlerClass): HandlerPorts {
  return {
    store: new GrantCheckedObjectStore(options.store, handlerClass),
    secrets: new EnvironmentSecretStore(),
    clock: systemClock,
    // A class without a workgroup (ingest) has no query engine in the cloud either.
    openEngine: () =>
      HANDLER_ACCESS[handlerClass].queries
        ? options.openEngine(handlerClass)
        : Promise.reject(new AccessDeniedError(`access denied: the ${handlerClass} handlers may not run queries; pipelines/access.ts gives them no query engine`)),
    settings: handlerSettings(options.environment, options.platformVersion, localTrainingEngine(options.environment)),
    tracker: options.tracker,
  };
}

/** A handler's result as the next state gets it: Step Functions hands results on as JSON. */
export const asStepResult = (result: unknown): unknown => JSON.parse(JSON.stringify(result ?? null)) as unknown;
