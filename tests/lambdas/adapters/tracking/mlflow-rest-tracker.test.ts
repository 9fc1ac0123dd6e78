import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackedRun } from '../../../../lambdas/ports/experiment-tracker.ts';
import { type MlflowHttpRequest, MlflowRequestError, MlflowRestTracker, type MlflowRestTrackerOptions } from '../../../../lambdas/adapters/tracking/mlflow-rest-tracker.ts';
import { startStandInMlflowServer, type StandInMlflowServer } from './stand-in-mlflow-server.ts';

const RUN: TrackedRun = {
  experiment: 'strata-dev/seller-churn',
  runName: 'seller-churn v3',
  startedAt: '2026-11-22T10:15:00.000Z',
  endedAt: '2026-11-22T10:17:30.500Z',
  status: 'FINISHED',
  params: { max_depth: 6, learning_rate: 0.1, features: 42, snapshot_range: '2026-01..2026-09', spot: true },
  metrics: { auc_train: 0.91, auc_test: 0.87, auc_oot: 0.85, ks: 0.52 },
  tags: { 'model.name': 'seller-churn', 'model.version': '3', engine: 'embedded', 'strata.version': '0.1.0+f48dc61', promoted: 'true' },
  artifacts: [{ name: 'model-card.json', contentType: 'application/json', body: '{"model":"seller-churn","version":3}' }],
};

const noAuth = async (): Promise<Record<string, string>> => ({});

describe('MlflowRestTracker against a stand-in MLflow server (node:http on 127.0.0.1, not MLflow itself)', () => {
  let server: StandInMlflowServer;
  const tracker = (options: Partial<MlflowRestTrackerOptions> = {}): MlflowRestTracker =>
    new MlflowRestTracker({ baseUrl: server.url, authorize: noAuth, backoffBaseMs: 1, maxBackoffMs: 5, ...options });

  beforeEach(async () => {
    server = await startStandInMlflowServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('creates the missing experiment, then creates, fills and finishes the run with the REST API 2.0 shapes', async () => {
    const ref = await tracker().logRun(RUN);

    expect(server.calls()).toEqual([
      'GET /api/2.0/mlflow/experiments/get-by-name',
      'POST /api/2.0/mlflow/experiments/create',
      'POST /api/2.0/mlflow/runs/create',
      'POST /api/2.0/mlflow/runs/log-batch',
      'POST /api/2.0/mlflow/runs/update',
    ]);
    const [lookup, create, runCreate, batch, update] = server.requests;
    // encodeURIComponent on the wire: "/" as %2F, never "+" for a space.
    expect(lookup!.rawQuery).toBe('experiment_name=strata-dev%2Fseller-churn');
    expect(create!.json).toEqual({ name: 'strata-dev/seller-churn' });
    expect(runCreate!.json).toEqual({ experiment_id: '1', run_name: 'seller-churn v3', start_time: Date.parse(RUN.startedAt) });
    expect(runCreate!.headers['content-type']).toBe('application/json');
    const endedMs = Date.parse(RUN.endedAt);
    expect(batch!.json).toEqual({
      run_id: ref.runId,
      params: [
        { key: 'max_depth', value: '6' },
        { key: 'learning_rate', value: '0.1' },
        { key: 'features', value: '42' },
        { key: 'snapshot_range', value: '2026-01..2026-09' },
        { key: 'spot', value: 'true' },
      ],
      tags: [
        { key: 'model.name', value: 'seller-churn' },
        { key: 'model.version', value: '3' },
        { key: 'engine', value: 'embedded' },
        { key: 'strata.version', value: '0.1.0+f48dc61' },
        { key: 'promoted', value: 'true' },
        {
          key: 'strata.artifact.model-card.json',
          value: JSON.stringify({ sha256: createHash('sha256').update(RUN.artifacts[0]!.body).digest('hex'), sizeBytes: (RUN.artifacts[0]!.body as string).length, contentType: 'application/json' }),
        },
      ],
      metrics: [
        { key: 'auc_train', value: 0.91, timestamp: endedMs, step: 0 },
        { key: 'auc_test', value: 0.87, timestamp: endedMs, step: 0 },
        { key: 'auc_oot', value: 0.85, timestamp: endedMs, step: 0 },
        { key: 'ks', value: 0.52, timestamp: endedMs, step: 0 },
      ],
    });
    expect(update!.json).toEqual({ run_id: ref.runId, status: 'FINISHED', end_time: endedMs });
    // Off by default: no artifact bodies leave the lake.
    expect(server.artifacts.size).toBe(0);
    expect(ref).toEqual({ tracker: 'mlflow', runId: ref.runId, experimentId: '1', url: `${server.url}/#/experiments/1/runs/${ref.runId}` });
    expect(server.runs.get(ref.runId)).toMatchObject({ status: 'FINISHED', runName: 'seller-churn v3', endTime: endedMs });
  });

  it('reuses an existing experiment and remembers its id for the next run', async () => {
    server.experiments.set('strata-dev/seller-churn', { id: '17', lifecycleStage: 'active' });
    const reused = tracker();

    const first = await reused.logRun(RUN);
    const second = await reused.logRun({ ...RUN, runName: 'seller-churn v4' });

    expect(server.calls().filter((call) => call.includes('/experiments/'))).toEqual(['GET /api/2.0/mlflow/experiments/get-by-name']);
    expect([first.experimentId, second.experimentId]).toEqual(['17', '17']);
    expect(first.runId).not.toBe(second.runId);
  });

  it('takes the experiment another writer created between its lookup and its create (RESOURCE_ALREADY_EXISTS)', async () => {
    server.script = (request) => {
      if (request.path.endsWith('/experiments/create')) {
        server.experiments.set('strata-dev/seller-churn', { id: '9', lifecycleStage: 'active' });
        return { status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: "Experiment 'strata-dev/seller-churn' already exists." } };
      }
      return undefined;
    };
    expect((await tracker().logRun(RUN)).experimentId).toBe('9');
    expect(server.calls().slice(0, 3)).toEqual([
      'GET /api/2.0/mlflow/experiments/get-by-name',
      'POST /api/2.0/mlflow/experiments/create',
      'GET /api/2.0/mlflow/experiments/get-by-name',
    ]);
  });

  it('refuses a deleted experiment, naming it', async () => {
    server.experiments.set('strata-dev/seller-churn', { id: '4', lifecycleStage: 'deleted' });
    await expect(tracker().logRun(RUN)).rejects.toThrow('experiment "strata-dev/seller-churn" (id 4) is deleted');
    expect(server.calls()).toEqual(['GET /api/2.0/mlflow/experiments/get-by-name']);
  });

  it('splits params, tags and metrics into log-batch calls within MLflow\'s limits and truncates over-long values with a marker', async () => {
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`t${i}`, `v${i}`]));
    const metrics = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`m${i}`, i / 10]));
    const run: TrackedRun = {
      ...RUN,
      params: { ...params, long_param: 'x'.repeat(7000) },
      tags: { ...tags, long_tag: 'y'.repeat(6000) },
      metrics,
      artifacts: [],
    };

    const ref = await tracker().logRun(run);

    const batches = server.requests.filter((r) => r.path.endsWith('/runs/log-batch')).map((r) => r.json as { params: unknown[]; tags: unknown[]; metrics: unknown[] });
    for (const batch of batches) {
      expect(batch.params.length).toBeLessThanOrEqual(100);
      expect(batch.tags.length).toBeLessThanOrEqual(100);
      expect(batch.metrics.length).toBeLessThanOrEqual(1000);
      expect(batch.params.length + batch.tags.length + batch.metrics.length).toBeLessThanOrEqual(1000);
    }
    // 251 params -> 3 batches; 131 tags -> 2 more; 2500 metrics fill the rest 1000 entities at a time.
    expect(batches.length).toBe(6);
    const stored = server.runs.get(ref.runId)!;
    expect(stored.params.size).toBe(251);
    expect(stored.tags.size).toBe(131);
    expect(stored.metrics).toHaveLength(2500);
    const longParam = stored.params.get('long_param')!;
    expect(longParam).toHaveLength(6000);
    expect(longParam.endsWith('...[truncated, 7000 chars]')).toBe(true);
    expect(stored.tags.get('long_tag')).toHaveLength(5000);
    expect(stored.status).toBe('FINISHED');
  });

  it('keeps each log-batch body under 1 MB when long values add up', async () => {
    // 100 params of 6000 chars + 100 tags of 5000 chars would be 1.1 MB in one body.
    const run: TrackedRun = {
      ...RUN,
      params: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 'p'.repeat(6000)])),
      tags: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, 't'.repeat(5000)])),
      artifacts: [],
    };
    const ref = await tracker().logRun(run);
    const sizes = server.requests.filter((r) => r.path.endsWith('/runs/log-batch')).map((r) => r.body.length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(1_000_000);
    expect(server.runs.get(ref.runId)!.tags.size).toBe(100);
  });

  it('retries a 503 (honouring Retry-After) and then succeeds, authorizing every attempt afresh', async () => {
    let failures = 1;
    server.script = (request) => {
      if (request.path.endsWith('/runs/create') && failures > 0) {
        failures -= 1;
        return { status: 503, headers: { 'retry-after': '0' }, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try again' } };
      }
      return undefined;
    };
    const signed: string[] = [];
    const ref = await tracker({
      authorize: async (request) => {
        signed.push(`${request.method} ${new URL(request.url).pathname}`);
        return {};
      },
    }).logRun(RUN);

    expect(server.calls().filter((call) => call.endsWith('/runs/create'))).toHaveLength(2);
    expect(signed.filter((call) => call.endsWith('/runs/create'))).toHaveLength(2);
    expect(server.runs.size).toBe(1);
    expect(server.runs.get(ref.runId)!.status).toBe('FINISHED');
  });

  it('retries a dropped connection (network error)', async () => {
    let drops = 1;
    server.script = (request) => (request.path.endsWith('/runs/log-batch') && drops-- > 0 ? { status: 0, destroy: true } : undefined);
    const ref = await tracker().logRun(RUN);
    expect(server.calls().filter((call) => call.endsWith('/runs/log-batch'))).toHaveLength(2);
    expect(server.runs.get(ref.runId)!.status).toBe('FINISHED');
  });

  it('gives up after the configured attempts, saying how many it made', async () => {
    server.script = (request) => (request.path.endsWith('/get-by-name') ? { status: 503, body: 'upstream busy' } : undefined);
    const error = await tracker({ attempts: 3 })
      .logRun(RUN)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowRequestError);
    expect((error as MlflowRequestError).message).toBe(
      `MLflow GET ${server.url}/api/2.0/mlflow/experiments/get-by-name failed: HTTP 503: upstream busy (3 attempts)`,
    );
    expect(server.requests).toHaveLength(3);
  });

  it('fails at once on a 400, naming endpoint, status, error_code and message, and marks the run FAILED', async () => {
    server.script = (request) =>
      request.path.endsWith('/runs/log-batch')
        ? { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid value 'x' for parameter 'metrics[0].value'" } }
        : undefined;

    const error = (await tracker({ authorize: async () => ({ authorization: 'Bearer secret-token' }) })
      .logRun(RUN)
      .catch((e: unknown) => e)) as MlflowRequestError;

    expect(error).toBeInstanceOf(MlflowRequestError);
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(error.endpoint).toBe(`POST ${server.url}/api/2.0/mlflow/runs/log-batch`);
    expect(error.message).toContain(
      `MLflow POST ${server.url}/api/2.0/mlflow/runs/log-batch failed: HTTP 400 INVALID_PARAMETER_VALUE: Invalid value 'x' for parameter 'metrics[0].value' (1 attempt)`,
    );
    expect(error.message).toMatch(/; run run0+1 in experiment 1 was marked FAILED$/);
    expect(error.message).not.toContain('secret-token');
    expect(server.calls().filter((call) => call.endsWith('/runs/log-batch'))).toHaveLength(1);
    expect([...server.runs.values()][0]!.status).toBe('FAILED');
  });

  it('sends the headers `authorize` returns, and gives it the request it is about to send', async () => {
    const seen: MlflowHttpRequest[] = [];
    await tracker({
      authorize: async (request) => {
        seen.push(request);
        return { authorization: 'Bearer dapi-test', 'x-extra': 'yes' };
      },
    }).logRun(RUN);

    for (const request of server.requests) {
      expect(request.headers['authorization']).toBe('Bearer dapi-test');
      expect(request.headers['x-extra']).toBe('yes');
    }
    expect(seen).toHaveLength(server.requests.length);
    const runCreate = seen.find((request) => request.url.endsWith('/runs/create'))!;
    expect(runCreate).toEqual({
      method: 'POST',
      url: `${server.url}/api/2.0/mlflow/runs/create`,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: '1', run_name: 'seller-churn v3', start_time: Date.parse(RUN.startedAt) }),
    });
    expect(seen[0]!.body).toBeUndefined();
  });

  it('does not retry when `authorize` cannot produce credentials, and says so', async () => {
    const error = (await tracker({
      authorize: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    })
      .logRun(RUN)
      .catch((e: unknown) => e)) as MlflowRequestError;
    expect(error.message).toBe(
      `MLflow GET ${server.url}/api/2.0/mlflow/experiments/get-by-name: cannot authorize the request: Could not load credentials from any providers`,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('uploads artifact bodies through the mlflow-artifacts proxy when asked to', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    const ref = await tracker({ uploadArtifacts: true }).logRun({
      ...RUN,
      artifacts: [...RUN.artifacts, { name: 'plots/roc_curve.svg', contentType: 'image/svg+xml', body: svg }],
    });

    const puts = server.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [r.path, r.headers['content-type']])).toEqual([
      [`/api/2.0/mlflow-artifacts/artifacts/1/${ref.runId}/artifacts/model-card.json`, 'application/json'],
      [`/api/2.0/mlflow-artifacts/artifacts/1/${ref.runId}/artifacts/plots/roc_curve.svg`, 'image/svg+xml'],
    ]);
    expect(server.artifacts.get(`1/${ref.runId}/artifacts/plots/roc_curve.svg`)).toEqual(Buffer.from(svg));
    // The hash tags are written either way.
    expect(server.runs.get(ref.runId)!.tags.has('strata.artifact.plots/roc_curve.svg')).toBe(true);
  });

  it('refuses to upload when the run\'s artifact_uri is not proxied (s3://), and marks the run FAILED', async () => {
    server.artifactStore = 's3';
    await expect(tracker({ uploadArtifacts: true }).logRun(RUN)).rejects.toThrow(
      /uploadArtifacts is on, but run run0+1 has artifact_uri "s3:\/\/mlflow-bucket\/1\/run0+1\/artifacts".*was marked FAILED$/,
    );
    expect(server.requests.some((r) => r.method === 'PUT')).toBe(false);
    expect([...server.runs.values()][0]!.status).toBe('FAILED');
  });

  it('rejects an invalid run before sending anything', async () => {
    await expect(tracker().logRun({ ...RUN, metrics: { 'auc:test': 0.8 } })).rejects.toThrow('metric key "auc:test" may only hold');
    await expect(tracker().logRun({ ...RUN, metrics: { ks: Number.NaN } })).rejects.toThrow('metric "ks" must be a finite number; got NaN');
    expect(server.requests).toHaveLength(0);
  });
});
