/**
 * A worker thread that runs handlers for the local runner, with the same
 * local adapters it builds (handler-workers.ts): CPU-bound steps (parsing a
 * large CSV into Parquet) then use a second core, as Lambda runs each Map
 * item in its own process. Handlers run here have no query engine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Environment } from '../../config/schema.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { ObjectStoreTracker } from '../../lambdas/adapters/tracking/object-store-tracker.ts';
import { HANDLER_FACTORIES } from '../../lambdas/handlers/index.ts';
import { HANDLERS, type HandlerName } from '../../pipelines/flows/index.ts';
import { asStepResult, localHandlerPorts, type LocalPortsOptions } from './local-ports.ts';

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
const options: LocalPortsOptions = {
  store,
  environment,
  platformVersion,
  tracker: new ObjectStoreTracker(store),
  openEngine: () => Promise.reject(new Error('handler worker: no query engine here; run this handler in the runner itself')),
};

parentPort!.on('message', (call: HandlerCall) => {
  void (async () => {
    let reply: HandlerReply;
    try {
      reply = { id: call.id, result: asStepResult(await HANDLER_FACTORIES[call.handler](localHandlerPorts(options, HANDLERS[call.handler].handlerClass))(call.event)) };
    } catch (error) {
      const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
      reply = { id: call.id, error: { name, message, ...(stack ? { stack } : {}) } };
    }
    parentPort!.postMessage(reply);
  })();
});
