import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { experimentSlug, ObjectStoreTracker, type StoredRunRecord } from '../../../../lambdas/adapters/tracking/object-store-tracker.ts';
import type { TrackedRun } from '../../../../lambdas/ports/experiment-tracker.ts';

const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L1 1"/></svg>');
const RUN: TrackedRun = {
  experiment: 'strata-dev/seller-churn',
  runName: 'seller-churn v3',
  startedAt: '2026-11-22T11:15:00.250+01:00',
  endedAt: '2026-11-22T10:17:30Z',
  status: 'FINISHED',
  params: { max_depth: 6, learning_rate: 0.1, spot: false, snapshot_range: '2026-01..2026-09' },
  metrics: { auc_test: 0.87, ks: 0.52 },
  tags: { 'model.name': 'seller-churn', promoted: 'false' },
  artifacts: [
    { name: 'model-card.json', contentType: 'application/json', body: '{"model":"seller-churn"}' },
    { name: 'plots/roc.svg', contentType: 'image/svg+xml', body: SVG },
  ],
};

describe('ObjectStoreTracker (on a FolderObjectStore in a temp dir)', () => {
  let root: string;
  let store: FolderObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-tracking-'));
    store = new FolderObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes run.json and the artifacts under <prefix>/<experiment>/<runId>/ in the refined layer', async () => {
    const ref = await new ObjectStoreTracker(store, { randomHex: () => 'a1b2c3d4' }).logRun(RUN);

    // The run id is the start instant in UTC, compact, then the random hex.
    expect(ref).toEqual({ tracker: 'local', runId: '20261122T101500Z-a1b2c3d4', experimentId: 'strata-dev/seller-churn' });
    const folder = '_ml/tracking/strata-dev/seller-churn/20261122T101500Z-a1b2c3d4';
    expect((await store.list('refined', '_ml/tracking/')).map((object) => object.key)).toEqual([
      `${folder}/artifacts/model-card.json`,
      `${folder}/artifacts/plots/roc.svg`,
      `${folder}/run.json`,
    ]);
    expect(await readFile(join(root, 'refined', ...`${folder}/artifacts/plots/roc.svg`.split('/')))).toEqual(Buffer.from(SVG));

    const record = JSON.parse(new TextDecoder().decode(await store.read('refined', `${folder}/run.json`))) as StoredRunRecord;
    expect(record).toEqual({
      schemaVersion: 1,
      tracker: 'local',
      runId: '20261122T101500Z-a1b2c3d4',
      experimentId: 'strata-dev/seller-churn',
      experiment: 'strata-dev/seller-churn',
      runName: 'seller-churn v3',
      startedAt: '2026-11-22T11:15:00.250+01:00',
      endedAt: '2026-11-22T10:17:30Z',
      status: 'FINISHED',
      params: { max_depth: 6, learning_rate: 0.1, spot: false, snapshot_range: '2026-01..2026-09' },
      metrics: { auc_test: 0.87, ks: 0.52 },
      tags: { 'model.name': 'seller-churn', promoted: 'false' },
      artifacts: [
        {
          name: 'model-card.json',
          contentType: 'application/json',
          sizeBytes: 24,
          sha256: createHash('sha256').update('{"model":"seller-churn"}').digest('hex'),
          key: `${folder}/artifacts/model-card.json`,
        },
        { name: 'plots/roc.svg', contentType: 'image/svg+xml', sizeBytes: SVG.byteLength, sha256: createHash('sha256').update(SVG).digest('hex'), key: `${folder}/artifacts/plots/roc.svg` },
      ],
    });
  });

  it('honours another layer and prefix, and gives two runs started the same second different ids', async () => {
    const tracker = new ObjectStoreTracker(store, { layer: 'dataquality', prefix: 'tracking/' });
    const first = await tracker.logRun({ ...RUN, artifacts: [] });
    const second = await tracker.logRun({ ...RUN, artifacts: [] });

    expect(first.runId).toMatch(/^20261122T101500Z-[0-9a-f]{8}$/);
    expect(second.runId).not.toBe(first.runId);
    expect((await store.list('dataquality', 'tracking/')).map((object) => object.key)).toEqual(
      [first.runId, second.runId].sort().map((runId) => `tracking/strata-dev/seller-churn/${runId}/run.json`),
    );
    expect(await store.list('refined', '')).toEqual([]);
  });

  it('writes nothing for a run no tracker would accept, and says which field is wrong', async () => {
    const tracker = new ObjectStoreTracker(store);
    await expect(tracker.logRun({ ...RUN, params: { 'max depth?': 6 } })).rejects.toThrow('param key "max depth?" may only hold letters, digits');
    await expect(tracker.logRun({ ...RUN, endedAt: '2026-11-22T09:00:00Z' })).rejects.toThrow('endedAt 2026-11-22T09:00:00Z is before startedAt');
    await expect(tracker.logRun({ ...RUN, startedAt: '2026-11-22 10:15' })).rejects.toThrow('startedAt must be an ISO 8601 instant with a zone');
    await expect(tracker.logRun({ ...RUN, artifacts: [{ name: '../escape.json', contentType: 'application/json', body: '{}' }] })).rejects.toThrow(
      'artifact name "../escape.json" must be a relative path',
    );
    await expect(tracker.logRun({ ...RUN, experiment: 'strata-dev/../other' })).rejects.toThrow('must be "/"-separated names without empty, "." or ".." parts');
    expect(await store.list('refined', '')).toEqual([]);
  });

  it('makes each part of the experiment name key-safe', () => {
    expect(experimentSlug('strata-dev/seller-churn')).toBe('strata-dev/seller-churn');
    expect(experimentSlug('Strata Dev/Churn (v2)')).toBe('strata-dev/churn-v2');
    expect(experimentSlug('x/-.-/…')).toBe('x/_/_');
  });
});
