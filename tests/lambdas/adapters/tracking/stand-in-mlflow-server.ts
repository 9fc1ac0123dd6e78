/**
 * A stand-in for an MLflow tracking server: a real HTTP server on 127.0.0.1
 * (ephemeral port) that implements just the endpoints MlflowRestTracker
 * calls, answers in MLflow's shapes and error format, enforces MLflow's
 * log-batch limits, and records every request. It is NOT MLflow; it is what
 * the tests can run offline.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path as received (still percent-encoded), without the query. */
  readonly path: string;
  /** Raw query string without `?`, as received. */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly json: Record<string, unknown> | undefined;
}

export interface StandInRun {
  runId: string;
  experimentId: string;
  runName: string;
  startTime: number;
  endTime?: number;
  status: string;
  params: Map<string, string>;
  metrics: { key: string; value: number; timestamp: number; step: number }[];
  tags: Map<string, string>;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Drop the connection without answering (a network error for the client). */
  readonly destroy?: boolean;
}

export interface StandInMlflowServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly experiments: Map<string, { id: string; lifecycleStage: 'active' | 'deleted' }>;
  readonly runs: Map<string, StandInRun>;
  /** Bodies PUT through the artifacts proxy, by path after `/api/2.0/mlflow-artifacts/artifacts/`. */
  readonly artifacts: Map<string, Buffer>;
  /** Consulted first for every request; an answer replaces the normal handling. */
  script: ((request: RecordedRequest) => ScriptedAnswer | undefined) | undefined;
  /** What runs/create reports as artifact_uri. @default 'mlflow-artifacts' */
  artifactStore: 'mlflow-artifacts' | 's3';
  /** `METHOD /path` of each request, in order. */
  calls(): string[];
  close(): Promise<void>;
}

const LIMITS = { params: 100, tags: 100, metrics: 1000, total: 1000, bytes: 1_000_000, paramValue: 6000, tagValue: 5000 };

export async function startStandInMlflowServer(): Promise<StandInMlflowServer> {
  const requests: RecordedRequest[] = [];
  const experiments = new Map<string, { id: string; lifecycleStage: 'active' | 'deleted' }>();
  const runs = new Map<string, StandInRun>();
  const artifacts = new Map<string, Buffer>();
  let nextExperiment = 1;
  let nextRun = 1;

  const state: Pick<StandInMlflowServer, 'script' | 'artifactStore'> = { script: undefined, artifactStore: 'mlflow-artifacts' };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [path = '', rawQuery = ''] = (req.url ?? '').split(/\?(.*)/s);
      const body = Buffer.concat(chunks);
      let json: Record<string, unknown> | undefined;
      if ((req.headers['content-type'] ?? '').includes('json') && body.length > 0) {
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      const request: RecordedRequest = { method: req.method ?? '', path, rawQuery, query: new URLSearchParams(rawQuery), headers: req.headers, body, json };
      requests.push(request);

      const send = ({ status, body: answer, headers, destroy }: ScriptedAnswer): void => {
        if (destroy) {
          req.socket.destroy();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(answer === undefined ? '' : typeof answer === 'string' ? answer : JSON.stringify(answer));
      };
      const error = (status: number, errorCode: string, message: string): ScriptedAnswer => ({ status, body: { error_code: errorCode, message } });

      const scripted = state.script?.(request);
      if (scripted) return send(scripted);
      send(handle(request));

      function handle(r: RecordedRequest): ScriptedAnswer {
        const route = `${r.method} ${r.path}`;
        const input = r.json ?? {};
        if (route === 'GET /api/2.0/mlflow/experiments/get-by-name') {
          const name = r.query.get('experiment_name') ?? '';
          const experiment = experiments.get(name);
          if (!experiment) return error(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
          return { status: 200, body: { experiment: { experiment_id: experiment.id, name, lifecycle_stage: experiment.lifecycleStage } } };
        }
        if (route === 'POST /api/2.0/mlflow/experiments/create') {
          const name = String(input['name'] ?? '');
          if (experiments.has(name)) return error(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
          const id = String(nextExperiment++);
          experiments.set(name, { id, lifecycleStage: 'active' });
          return { status: 200, body: { experiment_id: id } };
        }
        if (route === 'POST /api/2.0/mlflow/runs/create') {
          const experimentId = String(input['experiment_id'] ?? '');
          if (![...experiments.values()].some((e) => e.id === experimentId)) return error(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${experimentId} exists`);
          const runId = `run${String(nextRun++).padStart(29, '0')}`;
          const run: StandInRun = {
            runId,
            experimentId,
            runName: String(input['run_name'] ?? ''),
            startTime: Number(input['start_time']),
            status: 'RUNNING',
            params: new Map(),
            metrics: [],
            tags: new Map(),
          };
          runs.set(runId, run);
          const artifactUri = state.artifactStore === 's3' ? `s3://mlflow-bucket/${experimentId}/${runId}/artifacts` : `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
          return {
            status: 200,
            body: { run: { info: { run_id: runId, run_uuid: runId, experiment_id: experimentId, run_name: run.runName, status: 'RUNNING', start_time: run.startTime, artifact_uri: artifactUri, lifecycle_stage: 'active' }, data: {} } },
          };
        }
        if (route === 'POST /api/2.0/mlflow/runs/log-batch') {
          const run = runs.get(String(input['run_id'] ?? ''));
          if (!run) return error(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(input['run_id'])}' not found`);
          const params = (input['params'] ?? []) as { key: string; value: string }[];
          const tags = (input['tags'] ?? []) as { key: string; value: string }[];
          const metrics = (input['metrics'] ?? []) as StandInRun['metrics'];
          for (const [entity, items, limit] of [['metrics', metrics, LIMITS.metrics], ['params', params, LIMITS.params], ['tags', tags, LIMITS.tags]] as const) {
            if (items.length > limit) return error(400, 'INVALID_PARAMETER_VALUE', `A batch logging request can contain at most ${limit} ${entity}. Got ${items.length} ${entity}.`);
          }
          if (params.length + tags.length + metrics.length > LIMITS.total) return error(400, 'INVALID_PARAMETER_VALUE', 'A batch logging request can contain at most 1000 metrics, params, and tags.');
          if (r.body.length > LIMITS.bytes) return error(400, 'INVALID_PARAMETER_VALUE', `Batched logging API requests must be at most ${LIMITS.bytes} bytes, got a request of size ${r.body.length}.`);
          for (const p of params) {
            if (typeof p.value !== 'string') return error(400, 'INVALID_PARAMETER_VALUE', `Param '${p.key}' value must be a string`);
            if (p.value.length > LIMITS.paramValue) return error(400, 'INVALID_PARAMETER_VALUE', `Param value '${p.value.slice(0, 20)}' had length ${p.value.length}, which exceeded length limit of ${LIMITS.paramValue}`);
            const existing = run.params.get(p.key);
            if (existing !== undefined && existing !== p.value) return error(400, 'INVALID_PARAMETER_VALUE', `Changing param values is not allowed. Param with key='${p.key}' was already logged.`);
            run.params.set(p.key, p.value);
          }
          for (const t of tags) {
            if (t.value.length > LIMITS.tagValue) return error(400, 'INVALID_PARAMETER_VALUE', `Tag value had length ${t.value.length}, which exceeded length limit of ${LIMITS.tagValue}`);
            run.tags.set(t.key, t.value);
          }
          run.metrics.push(...metrics);
          return { status: 200, body: {} };
        }
        if (route === 'POST /api/2.0/mlflow/runs/update') {
          const run = runs.get(String(input['run_id'] ?? ''));
          if (!run) return error(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(input['run_id'])}' not found`);
          run.status = String(input['status']);
          run.endTime = Number(input['end_time']);
          return { status: 200, body: { run_info: { run_id: run.runId, status: run.status, end_time: run.endTime } } };
        }
        const artifactPrefix = '/api/2.0/mlflow-artifacts/artifacts/';
        if (r.method === 'PUT' && r.path.startsWith(artifactPrefix)) {
          artifacts.set(decodeURIComponent(r.path.slice(artifactPrefix.length)), r.body);
          return { status: 200, body: {} };
        }
        return error(404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${r.method} ${r.path}`);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    requests,
    experiments,
    runs,
    artifacts,
    calls: () => requests.map((r) => `${r.method} ${r.path}`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}
