import type { HttpHandler, HttpRequest, InvocationContext } from '@azure/functions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { DatabricksSqlQueryEngine } from '../../../../lambdas/adapters/azure/databricks-sql-query-engine.ts';
import { MlflowRestTracker } from '../../../../lambdas/adapters/tracking/mlflow-rest-tracker.ts';
import { ObjectStoreTracker } from '../../../../lambdas/adapters/tracking/object-store-tracker.ts';
import { APP_SETTINGS } from '../../../../lambdas/entrypoints/azure/app-settings.ts';
import { azurePorts, httpHandler, registerHandlerFunctions, type FunctionRegistrar } from '../../../../lambdas/entrypoints/azure/azure-runtime.ts';
import type { HandlerPorts } from '../../../../lambdas/handlers/handler-ports.ts';
import { systemClock } from '../../../../lambdas/ports/clock.ts';
import { recorded, recordingCredential, replay, startReplayServer, type ReplayServer } from '../../adapters/azure/replay-server.ts';

type Registered = { name: string; options: Parameters<FunctionRegistrar['http']>[1] };

function registrar(): FunctionRegistrar & { registered: Registered[] } {
  const registered: Registered[] = [];
  return { registered, http: (name, options) => void registered.push({ name, options }) };
}

/** What the Functions worker passes a handler, reduced to what the runtime uses; it keeps the log lines. */
function invocation(body: string): { request: HttpRequest; context: InvocationContext; logs: string[]; errors: string[] } {
  const logs: string[] = [];
  const errors: string[] = [];
  const context = { log: (line: string) => logs.push(line), error: (line: string) => errors.push(line) } as unknown as InvocationContext;
  return { request: { text: async () => body } as unknown as HttpRequest, context, logs, errors };
}

const call = async (handler: HttpHandler, body: string) => {
  const { request, context, logs, errors } = invocation(body);
  const response = await handler(request, context);
  return { response: response as { status: number; jsonBody: Record<string, unknown> }, logs, errors };
};

describe('Azure function app runtime (Azure not called)', () => {
  let root: string;
  let ports: HandlerPorts;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-azure-runtime-'));
    const store = new FolderObjectStore(root);
    ports = {
      store,
      secrets: { get: async (name) => `secret:${name}` },
      clock: systemClock,
      tracker: new ObjectStoreTracker(store),
      openEngine: async () => {
        throw new Error('no engine in this test');
      },
      settings: {} as HandlerPorts['settings'],
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('registers one POST function per handler of the app class, function-key protected, routed by handler name', () => {
    const app = registrar();
    expect(registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: 'transform' }, () => ports)).toEqual(['build-trusted', 'build-refined']);
    expect(app.registered.map(({ name, options }) => [name, options.methods, options.authLevel, options.route])).toEqual([
      ['build-trusted', ['POST'], 'function', 'build-trusted'],
      ['build-refined', ['POST'], 'function', 'build-refined'],
    ]);
    const ingest = registrar();
    registerHandlerFunctions(ingest, { [APP_SETTINGS.handlerClass]: 'ingest' }, () => ports);
    expect(ingest.registered.map(({ name }) => name)).toEqual(['list-landing', 'unpack-file-drop', 'poll-api']);
  });

  it('refuses to start with an unknown or missing handler class, naming the allowed ones', () => {
    expect(() => registerHandlerFunctions(registrar(), { [APP_SETTINGS.handlerClass]: 'etl' }, () => ports)).toThrow(
      'app setting STRATA_HANDLER_CLASS is "etl"; allowed: ingest, transform, quality, ml',
    );
    expect(() => registerHandlerFunctions(registrar(), {}, () => ports)).toThrow('app setting STRATA_HANDLER_CLASS is not set; allowed: ingest, transform, quality, ml');
  });

  it('runs the handler on the JSON body and answers 200 with its result, logging one JSON line with rows out', async () => {
    await ports.store.write('raw', 'landing/2026-11-22/drop-1.zip', 'zip');
    await ports.store.write('raw', 'landing/2026-11-22/drop-2.csv', 'csv');
    const app = registrar();
    registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: 'ingest' }, () => ports);
    const listLanding = app.registered.find(({ name }) => name === 'list-landing')!.options.handler;

    const { response, logs } = await call(listLanding, '{}');

    expect(response).toEqual({ status: 200, jsonBody: { keys: ['landing/2026-11-22/drop-1.zip', 'landing/2026-11-22/drop-2.csv'], rowsOut: 2 } });
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0]!)).toEqual({ step: 'list-landing', seconds: expect.any(Number), rowsOut: 2 });
  });

  it('answers 400 naming the handler when the body is not JSON', async () => {
    const app = registrar();
    registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: 'transform' }, () => ports);
    const { response, errors } = await call(app.registered[0]!.options.handler, '{"table": ');
    expect(response.status).toBe(400);
    expect(response.jsonBody.errorMessage).toMatch(/^build-trusted: the request body is not JSON: /);
    expect(JSON.parse(errors[0]!).step).toBe('build-trusted');
  });

  it("answers 500 with the error's name and message when the handler fails, and logs it", async () => {
    const app = registrar();
    registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: 'transform' }, () => ports);
    const { response, errors } = await call(app.registered[0]!.options.handler, '{"runId": "r1"}');
    expect(response).toEqual({ status: 500, jsonBody: { errorType: 'TypeError', errorMessage: expect.stringContaining('build-trusted: event field "table" must be a non-empty string') } });
    expect(JSON.parse(errors[0]!)).toMatchObject({ step: 'build-trusted', error: { name: 'TypeError' } });
  });

  it('wraps a result that is not a JSON object as { result }, as Data Factory needs an object', async () => {
    const handler = httpHandler('gate-model', () => async () => ['a', 'b']);
    expect((await call(handler, '{}')).response).toEqual({ status: 200, jsonBody: { result: ['a', 'b'] } });
    expect((await call(httpHandler('gate-model', () => async () => undefined), '')).response).toEqual({ status: 200, jsonBody: { result: null } });
  });

  it('builds the ports once per instance, shared by its functions', async () => {
    let built = 0;
    const app = registrar();
    registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: 'ingest' }, () => ((built += 1), ports));
    expect(built).toBe(0);
    for (const { options } of app.registered.filter(({ name }) => name === 'list-landing')) {
      await call(options.handler, '{}');
      await call(options.handler, '{}');
    }
    await call(app.registered.find(({ name }) => name === 'unpack-file-drop')!.options.handler, '{}');
    expect(built).toBe(1);
  });
});

describe('azurePorts from the app settings, against a replaying Azure on 127.0.0.1 (Azure not called)', () => {
  let server: ReplayServer;
  let env: Record<string, string>;
  const settings = { name: 'dev', platformVersion: '0.1.0+0123456789ab' };
  beforeEach(async () => {
    server = await startReplayServer((request) => {
      if (request.path.startsWith('/secrets/')) return replay(recorded('key-vault-get-secret'));
      if (request.path.startsWith('/blob/')) return { status: 201 };
      if (request.path === '/api/2.0/sql/statements') {
        return { status: 200, body: { statement_id: 's', status: { state: 'SUCCEEDED' }, manifest: { schema: { columns: [{ name: 'one', type_name: 'INT', position: 0 }] } }, result: { data_array: [['1']] } } };
      }
      return { status: 404, body: { message: request.path } };
    });
    env = {
      [APP_SETTINGS.handlerClass]: 'ml',
      [APP_SETTINGS.settings]: JSON.stringify(settings),
      [APP_SETTINGS.storageAccount]: 'stratadevlake',
      [APP_SETTINGS.databricksHost]: server.url,
      [APP_SETTINGS.warehouseId]: '1a2b3c4d5e6f7a8b',
      [APP_SETTINGS.keyVaultUri]: `${server.url}/`,
    };
  });
  afterEach(() => server.close());

  it('wires the lake, the vault and the pipelines warehouse with managed-identity tokens, and keeps runs in the lake without an experiment folder', async () => {
    const credential = recordingCredential();
    const ports = azurePorts(env, { credential, endpoints: { dfs: `${server.url}/dfs`, blob: `${server.url}/blob` }, pollIntervalMs: 0 });

    expect(ports.settings).toEqual(settings);
    expect(ports.tracker).toBeInstanceOf(ObjectStoreTracker);
    expect(await ports.secrets.get('strata/dev/weather-api-key')).toBe('wx-recorded-4f1d');
    await ports.store.write('refined', 'x/y.json', '{}');
    const engine = await ports.openEngine();
    expect(engine).toBeInstanceOf(DatabricksSqlQueryEngine);
    expect(await engine.query('select 1 as one')).toEqual([{ one: 1 }]);
    expect(JSON.parse(server.requests.at(-1)!.body.toString()).warehouse_id).toBe('1a2b3c4d5e6f7a8b');
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /secrets/strata-dev-weather-api-key',
      'PUT /blob/refined/x/y.json',
      'POST /api/2.0/sql/statements',
    ]);
    expect(credential.resources).toEqual(['https://vault.azure.net', 'https://storage.azure.com/', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d']);
  });

  it('tracks runs in Databricks MLflow when the experiment folder is set', () => {
    const ports = azurePorts({ ...env, [APP_SETTINGS.mlflowExperimentFolder]: '/Shared/strata' }, { credential: recordingCredential() });
    expect(ports.tracker).toBeInstanceOf(MlflowRestTracker);
  });

  it('fails naming the app setting that is missing or malformed', () => {
    const { [APP_SETTINGS.storageAccount]: _unused, ...withoutAccount } = env;
    expect(() => azurePorts(withoutAccount, { credential: recordingCredential() })).toThrow('app setting STRATA_STORAGE_ACCOUNT is not set');
    expect(() => azurePorts({ ...env, [APP_SETTINGS.settings]: '{name' }, { credential: recordingCredential() })).toThrow('app setting STRATA_SETTINGS is not JSON');
  });
});
