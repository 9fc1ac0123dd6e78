/**
 * Wiring for Azure: the ports on ADLS Gen2, Key Vault and Databricks SQL
 * (MLflow on Databricks, or the lake's run store), with tokens from the
 * function app's managed identity and settings from its app settings; and
 * the functions Data Factory's WebHook activities call, asynchronously:
 *
 * - one HTTP function per handler of the app's class (`POST /api/<handler>`,
 *   function key): it checks the body (the step's input plus the
 *   `callBackUri` Data Factory adds), puts `{ handler, event, callBackUri }`
 *   on the app's step queue (a storage queue output binding) and answers 202
 *   at once, well inside the WebHook's one-minute limit for the HTTP answer;
 * - one queue function (`run-step`) that runs the handler and POSTs the
 *   outcome to the callBackUri in the shape WebHook's reportStatusOnCallBack
 *   reads: `{ Output, StatusCode: "200" }`, or `{ Error: { ErrorCode,
 *   Message }, StatusCode: "500" }` which fails the activity.
 *
 * A handler's failure is retried through the queue (STEP_ATTEMPTS deliveries,
 * never for the errors a retry cannot fix), then reported, so the queue does not run it
 * again; a callback that cannot be delivered (after a few tries) is thrown,
 * so the queue redelivers the message and the step runs again (handlers
 * replace their partition, so a second run does not duplicate).
 */
import { randomBytes } from 'node:crypto';
import { output, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext, type StorageQueueHandler, type StorageQueueOutput } from '@azure/functions';
import { HANDLER_CLASSES, type HandlerClass } from '../../../config/schema.ts';
import { HANDLERS, NON_RETRYABLE_ERRORS, type HandlerName } from '../../../pipelines/flows/index.ts';
import { AdlsObjectStore } from '../../adapters/azure/adls-object-store.ts';
import { databricksMlflowTracking } from '../../adapters/azure/databricks-mlflow-auth.ts';
import { DatabricksSqlQueryEngine } from '../../adapters/azure/databricks-sql-query-engine.ts';
import { KeyVaultSecretStore } from '../../adapters/azure/key-vault-secret-store.ts';
import { ManagedIdentityCredential, type AccessTokenProvider } from '../../adapters/azure/managed-identity-credential.ts';
import { MlflowRestTracker } from '../../adapters/tracking/mlflow-rest-tracker.ts';
import { ObjectStoreTracker } from '../../adapters/tracking/object-store-tracker.ts';
import { rowCount, type Handler, type HandlerPorts, type HandlerSettings } from '../../handlers/handler-ports.ts';
import { HANDLER_FACTORIES } from '../../handlers/index.ts';
import { systemClock } from '../../ports/clock.ts';
import { APP_SETTINGS, functionRoute, STEP_ATTEMPTS, STEP_QUEUE_CONNECTION, STEP_RUNNER_FUNCTION, stepQueueName } from './app-settings.ts';

export type AppSettingsEnv = Readonly<Record<string, string | undefined>>;

/** An app setting the stack sets on every function app; fails naming it when missing. */
export function requiredSetting(env: AppSettingsEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`app setting ${name} is not set; the Azure pipelines stack sets it on every function app`);
  return value;
}

export interface AzurePortsOptions {
  /** @default a ManagedIdentityCredential on `env` (IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_CLIENT_ID) */
  readonly credential?: AccessTokenProvider;
  /** For every adapter's REST calls. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Endpoints instead of the public Azure ones (tests point them at 127.0.0.1). */
  readonly endpoints?: { readonly dfs?: string; readonly blob?: string };
  /** @default 2000 */
  readonly pollIntervalMs?: number;
}

/**
 * The handler ports from the app settings (APP_SETTINGS): the lake on
 * ADLS Gen2, secrets in Key Vault, SQL on the pipelines warehouse, runs
 * tracked in Databricks MLflow when the experiment folder is set, else in
 * the lake. Reads every setting it needs now, so a missing one fails here.
 */
export function azurePorts(env: AppSettingsEnv = process.env, options: AzurePortsOptions = {}): HandlerPorts {
  const credential = options.credential ?? new ManagedIdentityCredential({ env, fetch: options.fetch });
  const settingsText = requiredSetting(env, APP_SETTINGS.settings);
  let settings: HandlerSettings;
  try {
    settings = JSON.parse(settingsText) as HandlerSettings;
  } catch (error) {
    throw new Error(`app setting ${APP_SETTINGS.settings} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const store = new AdlsObjectStore({
    account: requiredSetting(env, APP_SETTINGS.storageAccount),
    credential,
    dfsEndpoint: options.endpoints?.dfs,
    blobEndpoint: options.endpoints?.blob,
    fetch: options.fetch,
  });
  const host = requiredSetting(env, APP_SETTINGS.databricksHost);
  const warehouseId = requiredSetting(env, APP_SETTINGS.warehouseId);
  const experimentFolder = env[APP_SETTINGS.mlflowExperimentFolder];
  let sessions = 0;
  return {
    store,
    secrets: new KeyVaultSecretStore({ vaultUri: requiredSetting(env, APP_SETTINGS.keyVaultUri), credential, fetch: options.fetch }),
    clock: systemClock,
    settings,
    // mlflow.mode off leaves the folder unset: runs are kept in the lake instead.
    tracker: experimentFolder
      ? new MlflowRestTracker({ ...databricksMlflowTracking({ host, credential, experimentFolder }), fetch: options.fetch })
      : new ObjectStoreTracker(store),
    openEngine: async () =>
      new DatabricksSqlQueryEngine({
        host,
        warehouseId,
        credential,
        lake: store,
        // Unique across instances of the app: the scratch folder is the session's own.
        sessionId: `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}_${(sessions += 1)}`,
        fetch: options.fetch,
        pollIntervalMs: options.pollIntervalMs,
      }),
  };
}

/** The handlers an app of a class serves, in HANDLERS order; an unknown or missing class fails naming the allowed ones. */
export function handlersOfClass(handlerClass: string | undefined): HandlerName[] {
  if (!handlerClass || !(HANDLER_CLASSES as readonly string[]).includes(handlerClass)) {
    throw new Error(
      `app setting ${APP_SETTINGS.handlerClass} is ${handlerClass ? `"${handlerClass}"` : 'not set'}; allowed: ${HANDLER_CLASSES.join(', ')}`,
    );
  }
  return (Object.keys(HANDLERS) as HandlerName[]).filter((name) => HANDLERS[name].handlerClass === (handlerClass as HandlerClass));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the HTTP functions put on the step queue, one message per step run. */
export interface StepMessage {
  readonly handler: string;
  /** The request body without `callBackUri`: the handler's event. */
  readonly event: Record<string, unknown>;
  /** Where Data Factory waits for the outcome (the WebHook activity's callback). */
  readonly callBackUri: string;
}

/** The callback body of WebHook's reportStatusOnCallBack: a StatusCode of 400 or more fails the activity with the Error. */
export type CallbackBody =
  | { readonly Output: Record<string, unknown>; readonly StatusCode: '200' }
  | { readonly Error: { readonly ErrorCode: string; readonly Message: string }; readonly StatusCode: '400' | '500' };

/** The field Data Factory's WebHook activity adds to the body it POSTs. */
export const CALLBACK_FIELD = 'callBackUri';

const badRequest = (step: string, context: InvocationContext, started: number, errorType: string, errorMessage: string): HttpResponseInit => {
  context.error(JSON.stringify({ step, seconds: (Date.now() - started) / 1000, error: { name: errorType, message: errorMessage } }));
  return { status: 400, jsonBody: { errorType, errorMessage } };
};

/**
 * One HTTP function: the JSON body is the step's event plus the WebHook's
 * `callBackUri`; it is queued on `queue` as a StepMessage and answered with
 * 202. A body that is not a JSON object, or has no callBackUri string, is a
 * 400 naming the handler (and the field).
 */
export function stepHttpHandler(step: HandlerName, queue: StorageQueueOutput): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const started = Date.now();
    let body: unknown;
    try {
      const text = await request.text();
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      return badRequest(step, context, started, 'SyntaxError', `${step}: the request body is not JSON: ${(error as Error).message}`);
    }
    if (!isObject(body)) return badRequest(step, context, started, 'TypeError', `${step}: the request body must be a JSON object`);
    const { [CALLBACK_FIELD]: callBackUri, ...event } = body;
    if (typeof callBackUri !== 'string' || callBackUri === '') {
      return badRequest(step, context, started, 'TypeError', `${step}: the request body has no ${CALLBACK_FIELD} string (Data Factory's WebHook activity adds it)`);
    }
    const message: StepMessage = { handler: step, event, callBackUri };
    context.extraOutputs.set(queue, message);
    return { status: 202, jsonBody: { accepted: step } };
  };
}

export interface StepRunnerOptions {
  /** For the callback POST. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Tries of the callback POST before the message is given back to the queue. @default 3 */
  readonly callbackAttempts?: number;
  /** Wait before the second try, doubled for each further one. @default 2000 */
  readonly callbackBackoffMs?: number;
  /** Deliveries of a step before a retryable failure is reported (host.json maxDequeueCount). @default STEP_ATTEMPTS */
  readonly attempts?: number;
}

const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/**
 * The queue function: runs the message's handler (one of `handlers`, the
 * app's class) on its event and calls Data Factory back with the result
 * (wrapped as `{ result }` when it is not a JSON object, as activity output
 * is an object) or the error. One JSON log line per step: step, seconds,
 * rowsIn/rowsOut or the error. Throws only when the message is not a
 * StepMessage or the callback cannot be delivered, for the queue to retry.
 */
export function stepQueueHandler(handlers: readonly HandlerName[], handlerFor: (name: HandlerName) => Handler, options: StepRunnerOptions = {}): StorageQueueHandler {
  const post = options.fetch ?? globalThis.fetch;
  const attempts = Math.max(1, options.callbackAttempts ?? 3);
  const backoffMs = options.callbackBackoffMs ?? 2000;
  const stepAttempts = Math.max(1, options.attempts ?? STEP_ATTEMPTS);
  const callBack = async (callBackUri: string, body: CallbackBody): Promise<void> => {
    let failure: Error | undefined;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1 && backoffMs > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 2)));
      try {
        const response = await post(callBackUri, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        if (response.ok) return;
        failure = new Error(`the Data Factory callback answered ${response.status} ${response.statusText}`.trim());
      } catch (thrown) {
        failure = asError(thrown);
      }
    }
    throw new Error(`the step's outcome could not be reported to Data Factory after ${attempts} tries: ${failure?.message}`, { cause: failure });
  };

  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const started = Date.now();
    const seconds = () => (Date.now() - started) / 1000;
    let message: unknown = entry;
    if (typeof entry === 'string') {
      try {
        message = JSON.parse(entry);
      } catch {
        message = undefined;
      }
    }
    if (!isObject(message) || typeof message.handler !== 'string' || typeof message.callBackUri !== 'string' || !isObject(message.event)) {
      // Only this app's HTTP functions write the queue: a message without a callback is a bug, left for the poison queue.
      throw new Error(`${STEP_RUNNER_FUNCTION}: the queue message is not { handler, event, callBackUri }`);
    }
    const { handler: name, event, callBackUri } = message as unknown as StepMessage;
    if (!(handlers as readonly string[]).includes(name)) {
      const error = { ErrorCode: 'UnknownHandler', Message: `${name} is not a handler of this app (it serves ${handlers.join(', ')})` };
      context.error(JSON.stringify({ step: name, seconds: seconds(), error: { name: error.ErrorCode, message: error.Message } }));
      await callBack(callBackUri, { Error: error, StatusCode: '400' });
      return;
    }
    const step = name as HandlerName;
    let outcome: CallbackBody;
    try {
      const result = await handlerFor(step)(event);
      const body = isObject(result) ? result : { result: result ?? null };
      context.log(JSON.stringify({ step, seconds: seconds(), rowsIn: rowCount(body.rowsIn), rowsOut: rowCount(body.rowsOut) }));
      outcome = { Output: body, StatusCode: '200' };
    } catch (thrown) {
      const error = asError(thrown);
      // Retries as on AWS: errors a retry cannot fix are reported at once; any other is thrown
      // back to the queue, which delivers the step again, until the last delivery reports it.
      const delivery = Number(context.triggerMetadata?.dequeueCount ?? 1);
      const retry = !(NON_RETRYABLE_ERRORS as readonly string[]).includes(error.name) && delivery < stepAttempts;
      context.error(JSON.stringify({ step, seconds: seconds(), delivery, retry, error: { name: error.name, message: error.message } }));
      if (retry) throw error;
      outcome = { Error: { ErrorCode: error.name, Message: error.message }, StatusCode: '500' };
    }
    await callBack(callBackUri, outcome);
  };
}

/** The part of `@azure/functions`' `app` the registration uses. */
export interface FunctionRegistrar {
  http(name: string, options: { methods: ['POST']; authLevel: 'function'; route: string; extraOutputs: StorageQueueOutput[]; handler: HttpHandler }): void;
  storageQueue(name: string, options: { queueName: string; connection: string; handler: StorageQueueHandler }): void;
}

/**
 * Registers, for the app's class (APP_SETTINGS.handlerClass), one POST
 * function per handler at `/api/<handler>` (function-key protected) that
 * queues the step on the class's step queue, and the `run-step` queue
 * function that runs it. Ports are built once per instance, at the first
 * step run, and shared. Returns the handler names registered.
 */
export function registerHandlerFunctions(
  app: FunctionRegistrar,
  env: AppSettingsEnv = process.env,
  ports: () => HandlerPorts = () => azurePorts(env),
  options: StepRunnerOptions = {},
): HandlerName[] {
  const handlerClass = env[APP_SETTINGS.handlerClass];
  const names = handlersOfClass(handlerClass);
  const queueName = stepQueueName(handlerClass!);
  const queue = output.storageQueue({ queueName, connection: STEP_QUEUE_CONNECTION });
  for (const name of names) {
    app.http(name, { methods: ['POST'], authLevel: 'function', route: functionRoute(name), extraOutputs: [queue], handler: stepHttpHandler(name, queue) });
  }
  let shared: HandlerPorts | undefined;
  const built = new Map<HandlerName, Handler>();
  const handlerFor = (name: HandlerName): Handler => {
    let handler = built.get(name);
    if (!handler) built.set(name, (handler = HANDLER_FACTORIES[name]((shared ??= ports()))));
    return handler;
  };
  app.storageQueue(STEP_RUNNER_FUNCTION, { queueName, connection: STEP_QUEUE_CONNECTION, handler: stepQueueHandler(names, handlerFor, options) });
  return names;
}
