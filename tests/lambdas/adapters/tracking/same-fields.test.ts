import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { MlflowRestTracker } from '../../../../lambdas/adapters/tracking/mlflow-rest-tracker.ts';
import { ObjectStoreTracker, type StoredRunRecord } from '../../../../lambdas/adapters/tracking/object-store-tracker.ts';
import type { TrackedRun } from '../../../../lambdas/ports/experiment-tracker.ts';
import { startStandInMlflowServer, type StandInMlflowServer } from './stand-in-mlflow-server.ts';

const RUN: TrackedRun = {
  experiment: 'strata-dev/seller-churn',
  runName: 'seller-churn v3',
  startedAt: '2026-11-22T10:15:00Z',
  endedAt: '2026-11-22T10:17:30Z',
  status: 'FAILED',
  params: { max_depth: 6, eta: 0.1, spot: true, train_snapshots: '2026-01-31,2026-02-28' },
  metrics: { auc_train: 0.91, auc_oot: 0.85 },
  tags: { 'model.version': '3', 'training.sha256': 'ab'.repeat(32) },
  artifacts: [{ name: 'model-card.json', contentType: 'application/json', body: '{"v":3}' }],
};

describe('local run store and MLflow (stand-in server on 127.0.0.1) record the same fields', () => {
  let root: string;
  let server: StandInMlflowServer;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-tracking-'));
    server = await startStandInMlflowServer();
  });
  afterEach(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the same name, times, status, params, metrics, tags and artifact hashes', async () => {
    const store = new FolderObjectStore(root);
    const local = await new ObjectStoreTracker(store).logRun(RUN);
    const remote = await new MlflowRestTracker({ baseUrl: server.url, authorize: async () => ({}) }).logRun(RUN);

    const record = JSON.parse(
      new TextDecoder().decode(await store.read('refined', `_ml/tracking/${local.experimentId}/${local.runId}/run.json`)),
    ) as StoredRunRecord;
    const mlflow = server.runs.get(remote.runId)!;

    expect(mlflow.runName).toBe(record.runName);
    expect(mlflow.startTime).toBe(Date.parse(record.startedAt));
    expect(mlflow.endTime).toBe(Date.parse(record.endedAt));
    expect(mlflow.status).toBe(record.status);
    // MLflow keeps params as text.
    expect(Object.fromEntries(mlflow.params)).toEqual(Object.fromEntries(Object.entries(record.params).map(([key, value]) => [key, String(value)])));
    expect(Object.fromEntries(mlflow.metrics.map((metric) => [metric.key, metric.value]))).toEqual(record.metrics);
    const artifactTags = [...mlflow.tags].filter(([key]) => key.startsWith('strata.artifact.'));
    expect(Object.fromEntries([...mlflow.tags].filter(([key]) => !key.startsWith('strata.artifact.')))).toEqual(record.tags);
    expect(artifactTags.map(([key, value]) => ({ name: key.slice('strata.artifact.'.length), ...(JSON.parse(value) as object) }))).toEqual(
      record.artifacts.map(({ name, sha256, sizeBytes, contentType }) => ({ name, sha256, sizeBytes, contentType })),
    );
  });

  it('refuse the same runs with the same message', async () => {
    const bad: TrackedRun = { ...RUN, tags: { 'owner:team': 'ml' } };
    const local = await new ObjectStoreTracker(new FolderObjectStore(root)).logRun(bad).catch((error: Error) => error.message);
    const remote = await new MlflowRestTracker({ baseUrl: server.url, authorize: async () => ({}) }).logRun(bad).catch((error: Error) => error.message);
    expect(local).toBe(remote);
    expect(local).toContain('tag key "owner:team" may only hold');
  });
});
