/**
 * A worker thread that runs handlers for the local runner, with the same
 * local adapters it builds (handler-workers.ts): CPU-bound steps (parsing a
 * large CSV into Parquet) then use a second core, as Lambda runs each Map
 * item in its own process. Handlers run here have no query engine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Environment } from '../../config/schema.ts';
import { EnvironmentSecretStore } from '../../lambdas/adapters/local/environment-secret-store.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { GrantCheckedObjectStore } from '../../lambdas/adapters/local/grant-checked-object-store.ts';
import { ObjectStoreTracker } from '../../lambdas/adapters/tracking/object-store-tracker.ts';
import { HANDLER_FACTORIES, handlerSettings, type HandlerPorts } from '../../lambdas/handlers/index.ts';
import { systemClock } from '../../lambdas/ports/clock.ts';
import { HANDLERS, type HandlerName } from '../../pipelines/flows/index.ts';

/** What the runner gives a worker when it starts it. */
export interface HandlerWorkerData {
  readonly lake: string;
  readonly environment: Environment;
  readonly platformVersion: string;
}

export interface HandlerCall {
  readonly id: number;
  readonly handler: HandlerName;
  readonly event: unknown;
}

export type HandlerReply =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly stack?: string } };

const { lake, environment, platformVersion } = workerData as HandlerWorkerData;
const store = new FolderObjectStore(lake);
/** As in the runner: the lake through the handler class's grants. */
const portsOf = (handler: HandlerName): HandlerPorts => ({
  store: new GrantCheckedObjectStore(store, HANDLERS[handler].handlerClass),
  secrets: new EnvironmentSecretStore(),
  clock: systemClock,
  tracker: new ObjectStoreTracker(store),
  openEngine: () => Promise.reject(new Error('handler worker: no query engine here; run this handler in the runner itself')),
  settings: handlerSettings(environment, platformVersion),
});

parentPort!.on('message', (call: HandlerCall) => {
  void (async () => {
    let reply: HandlerReply;
    try {
      // Step Functions hands results on as JSON; so does the worker.
      reply = { id: call.id, result: JSON.parse(JSON.stringify((await HANDLER_FACTORIES[call.handler](portsOf(call.handler))(call.event)) ?? null)) as unknown };
    } catch (error) {
      const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
      reply = { id: call.id, error: { name, message, ...(stack ? { stack } : {}) } };
    }
    parentPort!.postMessage(reply);
  })();
});
