/**
 * Wiring for Azure: the ports on ADLS Gen2, Key Vault and Databricks SQL
 * (MLflow on Databricks, or the lake's run store), with tokens from the
 * function app's managed identity and settings from its app settings; and
 * the HTTP functions Data Factory calls, one per handler of the app's class.
 */
import { randomBytes } from 'node:crypto';
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { HANDLER_CLASSES, type HandlerClass } from '../../../config/schema.ts';
import { HANDLERS, type HandlerName } from '../../../pipelines/flows/index.ts';
import { AdlsObjectStore } from '../../adapters/azure/adls-object-store.ts';
import { databricksMlflowTracking } from '../../adapters/azure/databricks-mlflow-auth.ts';
import { DatabricksSqlQueryEngine } from '../../adapters/azure/databricks-sql-query-engine.ts';
import { KeyVaultSecretStore } from '../../adapters/azure/key-vault-secret-store.ts';
import { ManagedIdentityCredential, type AccessTokenProvider } from '../../adapters/azure/managed-identity-credential.ts';
import { MlflowRestTracker } from '../../adapters/tracking/mlflow-rest-tracker.ts';
import { ObjectStoreTracker } from '../../adapters/tracking/object-store-tracker.ts';
import type { Handler, HandlerPorts, HandlerSettings } from '../../handlers/handler-ports.ts';
import { HANDLER_FACTORIES } from '../../handlers/index.ts';
import { systemClock } from '../../ports/clock.ts';
import { APP_SETTINGS, functionRoute } from './app-settings.ts';

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

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One HTTP function: the JSON body is the handler's event; its result is the
 * 200 body (Data Factory's Azure Function activity wants a JSON object, so
 * anything else is wrapped as `{ result }`); a bad body is a 400 naming the
 * handler; a failure a 500 `{ errorType, errorMessage }`. One JSON log line
 * per call: step, seconds, rowsIn/rowsOut or the error.
 */
export function httpHandler(step: HandlerName, handler: () => Handler): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const started = Date.now();
    const seconds = () => (Date.now() - started) / 1000;
    let event: unknown;
    try {
      const text = await request.text();
      event = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      const errorMessage = `${step}: the request body is not JSON: ${(error as Error).message}`;
      context.error(JSON.stringify({ step, seconds: seconds(), error: { name: 'SyntaxError', message: errorMessage } }));
      return { status: 400, jsonBody: { errorType: 'SyntaxError', errorMessage } };
    }
    try {
      const result = await handler()(event);
      const body = isObject(result) ? result : { result: result ?? null };
      context.log(JSON.stringify({ step, seconds: seconds(), rowsIn: count(body.rowsIn), rowsOut: count(body.rowsOut) }));
      return { status: 200, jsonBody: body };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      context.error(JSON.stringify({ step, seconds: seconds(), error: { name: error.name, message: error.message } }));
      return { status: 500, jsonBody: { errorType: error.name, errorMessage: error.message } };
    }
  };
}

/** The part of `@azure/functions`' `app` the registration uses. */
export interface FunctionRegistrar {
  http(name: string, options: { methods: ['POST']; authLevel: 'function'; route: string; handler: HttpHandler }): void;
}

/**
 * Registers one POST function per handler of the app's class
 * (APP_SETTINGS.handlerClass), at `/api/<handler>`, function-key protected.
 * Ports are built once per instance, at the first call, and shared.
 * Returns the names registered.
 */
export function registerHandlerFunctions(app: FunctionRegistrar, env: AppSettingsEnv = process.env, ports: () => HandlerPorts = () => azurePorts(env)): HandlerName[] {
  const names = handlersOfClass(env[APP_SETTINGS.handlerClass]);
  let shared: HandlerPorts | undefined;
  const portsOnce = () => (shared ??= ports());
  for (const name of names) {
    let handler: Handler | undefined;
    app.http(name, {
      methods: ['POST'],
      authLevel: 'function',
      route: functionRoute(name),
      handler: httpHandler(name, () => (handler ??= HANDLER_FACTORIES[name](portsOnce()))),
    });
  }
  return names;
}
