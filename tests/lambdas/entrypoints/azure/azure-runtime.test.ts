import type { HttpHandler, HttpRequest, InvocationContext, StorageQueueHandler } from '@azure/functions';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { DatabricksSqlQueryEngine } from '../../../../lambdas/adapters/azure/databricks-sql-query-engine.ts';
import { MlflowRestTracker } from '../../../../lambdas/adapters/tracking/mlflow-rest-tracker.ts';
import { ObjectStoreTracker } from '../../../../lambdas/adapters/tracking/object-store-tracker.ts';
import { APP_SETTINGS, STEP_QUEUE_CONNECTION, STEP_RUNNER_FUNCTION, stepQueueName } from '../../../../lambdas/entrypoints/azure/app-settings.ts';
import { azurePorts, registerHandlerFunctions, stepQueueHandler, type FunctionRegistrar, type StepMessage } from '../../../../lambdas/entrypoints/azure/azure-runtime.ts';
import type { HandlerPorts } from '../../../../lambdas/handlers/handler-ports.ts';
import { systemClock } from '../../../../lambdas/ports/clock.ts';
import { recorded, recordingCredential, replay, startReplayServer, type ReplayServer } from '../../adapters/azure/replay-server.ts';

type HttpOptions = Parameters<FunctionRegistrar['http']>[1];
type QueueOptions = Parameters<FunctionRegistrar['storageQueue']>[1];

function registrar(): FunctionRegistrar & { http: FunctionRegistrar['http']; functions: { name: string; options: HttpOptions }[]; queues: { name: string; options: QueueOptions }[] } {
  const functions: { name: string; options: HttpOptions }[] = [];
  const queues: { name: string; options: QueueOptions }[] = [];
  return {
    functions,
    queues,
    http: (name, options) => void functions.push({ name, options }),
    storageQueue: (name, options) => void queues.push({ name, options }),
  };
}

/** What the Functions worker passes a function, reduced to what the runtime uses; it keeps the log lines and the queue output. */
function invocation(dequeueCount = 1): { context: InvocationContext; logs: string[]; errors: string[]; queued: unknown[] } {
  const logs: string[] = [];
  const errors: string[] = [];
  const queued: unknown[] = [];
  const context = {
    log: (line: string) => logs.push(line),
    error: (line: string) => errors.push(line),
    extraOutputs: { set: (_output: unknown, value: unknown) => queued.push(value) },
    triggerMetadata: { dequeueCount },
  } as unknown as InvocationContext;
  return { context, logs, errors, queued };
}

const callHttp = async (handler: HttpHandler, body: string) => {
  const { context, logs, errors, queued } = invocation();
  const response = await handler({ text: async () => body } as unknown as HttpRequest, context);
  return { response: response as { status: number; jsonBody: Record<string, unknown> }, logs, errors, queued };
};

/** Runs a queue message as its `delivery`-th delivery (the queue's dequeueCount). */
const runQueued = async (handler: StorageQueueHandler, message: unknown, delivery = 1) => {
  const { context, logs, errors } = invocation(delivery);
  await handler(message, context);
  return { logs, errors };
};

/** A real HTTP server on 127.0.0.1 standing in for Data Factory's callback endpoint; answers `status()` to each POST. */
interface CallbackServer {
  readonly url: string;
  readonly received: { path: string; contentType: string | undefined; body: unknown }[];
  status: () => number;
  close(): Promise<void>;
}
async function startCallbackServer(): Promise<CallbackServer> {
  const received: CallbackServer['received'] = [];
  const state = { status: () => 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.statusCode = state.status();
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe('Azure function app runtime: WebHook steps through a storage queue (Azure not called)', () => {
  let root: string;
  let ports: HandlerPorts;
  let callback: CallbackServer;
  beforeEach(async () => {
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
    callback = await startCallbackServer();
  });
  afterEach(async () => {
    rmSync(root, { recursive: true, force: true });
    await callback.close();
  });

  const registered = (handlerClass: string, options = { callbackBackoffMs: 0 }) => {
    const app = registrar();
    const names = registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: handlerClass }, () => ports, options);
    return { app, names, http: (name: string) => app.functions.find((entry) => entry.name === name)!.options.handler, runner: app.queues[0]!.options.handler };
  };

  it("registers one POST function per handler of the app class, function-key protected, routed by handler name, writing the class's step queue", () => {
    const { app, names } = registered('transform');
    expect(names).toEqual(['find-new-data', 'build-trusted', 'build-refined']);
    expect(app.functions.map(({ name, options }) => [name, options.methods, options.authLevel, options.route])).toEqual([
      ['find-new-data', ['POST'], 'function', 'find-new-data'],
      ['build-trusted', ['POST'], 'function', 'build-trusted'],
      ['build-refined', ['POST'], 'function', 'build-refined'],
    ]);
    for (const { options } of app.functions) {
      expect(options.extraOutputs).toEqual([expect.objectContaining({ type: 'queue', queueName: 'strata-steps-transform', connection: STEP_QUEUE_CONNECTION })]);
    }
    expect(app.queues.map(({ name, options }) => [name, options.queueName, options.connection])).toEqual([[STEP_RUNNER_FUNCTION, stepQueueName('transform'), 'AzureWebJobsStorage']]);
    expect(registered('ingest').app.functions.map(({ name }) => name)).toEqual(['list-landing', 'unpack-file-drop', 'poll-api']);
  });

  it('refuses to start with an unknown or missing handler class, naming the allowed ones', () => {
    expect(() => registerHandlerFunctions(registrar(), { [APP_SETTINGS.handlerClass]: 'etl' }, () => ports)).toThrow(
      'app setting STRATA_HANDLER_CLASS is "etl"; allowed: ingest, transform, quality, ml',
    );
    expect(() => registerHandlerFunctions(registrar(), {}, () => ports)).toThrow('app setting STRATA_HANDLER_CLASS is not set; allowed: ingest, transform, quality, ml');
  });

  it('the HTTP function answers 202 at once and queues { handler, event, callBackUri }, the event without callBackUri', async () => {
    const { http } = registered('ingest');
    const callBackUri = `${callback.url}/callback/1?sig=abc`;
    const { response, queued } = await callHttp(http('unpack-file-drop'), JSON.stringify({ landingKey: 'landing/a.zip', runId: 'r1', callBackUri }));
    expect(response).toEqual({ status: 202, jsonBody: { accepted: 'unpack-file-drop' } });
    expect(queued).toEqual([{ handler: 'unpack-file-drop', event: { landingKey: 'landing/a.zip', runId: 'r1' }, callBackUri } satisfies StepMessage]);
    expect(callback.received).toEqual([]);
  });

  it.each([
    ['no callBackUri', '{"runId": "r1"}', /^build-trusted: the request body has no callBackUri string/],
    ['a callBackUri that is not a string', '{"callBackUri": 7}', /^build-trusted: the request body has no callBackUri string/],
    ['a body that is not an object', '["a"]', /^build-trusted: the request body must be a JSON object/],
    ['a body that is not JSON', '{"table": ', /^build-trusted: the request body is not JSON: /],
  ])('answers 400 naming the handler for %s, and queues nothing', async (_what, body, message) => {
    const { http } = registered('transform');
    const { response, queued, errors } = await callHttp(http('build-trusted'), body);
    expect(response.status).toBe(400);
    expect(response.jsonBody.errorMessage).toMatch(message);
    expect(queued).toEqual([]);
    expect(JSON.parse(errors[0]!).step).toBe('build-trusted');
  });

  it('the queue function runs the handler and calls back with its result as Output and StatusCode 200, logging one JSON line', async () => {
    await ports.store.write('raw', 'landing/2026-11-22/drop-1.zip', 'zip');
    await ports.store.write('raw', 'landing/2026-11-22/drop-2.csv', 'csv');
    const { http, runner } = registered('ingest');
    const { queued } = await callHttp(http('list-landing'), JSON.stringify({ callBackUri: `${callback.url}/callback/list` }));

    const { logs } = await runQueued(runner, queued[0]);

    expect(callback.received).toEqual([
      {
        path: '/callback/list',
        contentType: 'application/json',
        body: {
          Output: {
            drops: [
              { landingKey: 'landing/2026-11-22/drop-1.zip', ingestedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) },
              { landingKey: 'landing/2026-11-22/drop-2.csv', ingestedAt: expect.stringMatching(/Z$/) },
            ],
            deferred: 0,
            rowsOut: 2,
          },
          StatusCode: '200',
        },
      },
    ]);
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0]!)).toEqual({ step: 'list-landing', seconds: expect.any(Number), rowsOut: 2 });
  });

  it('throws a failing step back to the queue before its last delivery, without calling Data Factory back (retries as on AWS)', async () => {
    const { runner } = registered('transform');
    const message: StepMessage = { handler: 'build-trusted', event: { runId: 'r1' }, callBackUri: `${callback.url}/callback/2` };
    for (const delivery of [1, 2]) {
      await expect(runQueued(runner, JSON.stringify(message), delivery)).rejects.toThrow('build-trusted: event field "table" must be a non-empty string');
    }
    expect(callback.received).toHaveLength(0);
  });

  it('reports an error a retry cannot fix at its first delivery', async () => {
    const message: StepMessage = { handler: 'check-quality', event: { runId: 'no-builds' }, callBackUri: `${callback.url}/callback/q` };
    const failing = stepQueueHandler(['check-quality'], () => async () => {
      throw Object.assign(new Error('1 error-severity rule(s) failed'), { name: 'QualityGateFailed' });
    });
    await runQueued(failing, message, 1);
    expect(callback.received).toHaveLength(1);
    expect(callback.received[0]!.body).toEqual({ Error: { ErrorCode: 'QualityGateFailed', Message: '1 error-severity rule(s) failed' }, StatusCode: '500' });
  });

  it('a step still failing at its last delivery is called back with StatusCode 500 and its error, logged, and not thrown (the queue does not run it again)', async () => {
    const { runner } = registered('transform');
    const message: StepMessage = { handler: 'build-trusted', event: { runId: 'r1' }, callBackUri: `${callback.url}/callback/2` };
    const { errors } = await runQueued(runner, JSON.stringify(message), 3);
    expect(callback.received).toHaveLength(1);
    expect(callback.received[0]!.body).toEqual({
      Error: { ErrorCode: 'TypeError', Message: expect.stringContaining('build-trusted: event field "table" must be a non-empty string') },
      StatusCode: '500',
    });
    expect(JSON.parse(errors[0]!)).toMatchObject({ step: 'build-trusted', error: { name: 'TypeError' } });
  });

  it("reports a message for a handler not of the app's class as an error through the callback", async () => {
    const { runner } = registered('quality');
    await runQueued(runner, { handler: 'build-trusted', event: {}, callBackUri: `${callback.url}/callback/3` });
    expect(callback.received[0]!.body).toEqual({ Error: { ErrorCode: 'UnknownHandler', Message: 'build-trusted is not a handler of this app (it serves check-quality)' }, StatusCode: '400' });
  });

  it('wraps a result that is not a JSON object as { result }, as activity output is an object', async () => {
    const runner = stepQueueHandler(['gate-model'], () => async () => ['a', 'b']);
    await runQueued(runner, { handler: 'gate-model', event: {}, callBackUri: `${callback.url}/cb` });
    expect(callback.received[0]!.body).toEqual({ Output: { result: ['a', 'b'] }, StatusCode: '200' });
  });

  it('throws, for the queue to deliver the message again, when the callback cannot be delivered after its tries', async () => {
    callback.status = () => 503;
    const { runner } = registered('ingest', { callbackBackoffMs: 0 });
    await expect(runQueued(runner, { handler: 'list-landing', event: {}, callBackUri: `${callback.url}/cb` })).rejects.toThrow(
      "the step's outcome could not be reported to Data Factory after 3 tries: the Data Factory callback answered 503",
    );
    expect(callback.received).toHaveLength(3);
    let calls = 0;
    callback.status = () => ((calls += 1), calls === 1 ? 500 : 200);
    await runQueued(runner, { handler: 'list-landing', event: {}, callBackUri: `${callback.url}/cb` });
    expect(callback.received).toHaveLength(5);
  });

  it('throws on a queue message that is not a step (left for the poison queue)', async () => {
    const { runner } = registered('ingest');
    await expect(runQueued(runner, { handler: 'list-landing' })).rejects.toThrow('run-step: the queue message is not { handler, event, callBackUri }');
    await expect(runQueued(runner, 'not json')).rejects.toThrow('run-step');
  });

  it('builds the ports once per instance, at the first step run, shared by its handlers', async () => {
    let built = 0;
    const app = registrar();
    registerHandlerFunctions(app, { [APP_SETTINGS.handlerClass]: 'ingest' }, () => ((built += 1), ports), { callbackBackoffMs: 0 });
    const runner = app.queues[0]!.options.handler;
    expect(built).toBe(0);
    // Last deliveries, so that the handlers' refusals of these empty events are reported rather than retried.
    await runQueued(runner, { handler: 'list-landing', event: {}, callBackUri: `${callback.url}/a` }, 3);
    await runQueued(runner, { handler: 'list-landing', event: {}, callBackUri: `${callback.url}/b` }, 3);
    await runQueued(runner, { handler: 'unpack-file-drop', event: {}, callBackUri: `${callback.url}/c` }, 3);
    expect(built).toBe(1);
    expect(callback.received.map(({ path }) => path)).toEqual(['/a', '/b', '/c']);
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
