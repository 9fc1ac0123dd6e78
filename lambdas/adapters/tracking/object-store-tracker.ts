import { randomBytes } from 'node:crypto';
import type { Layer } from '../../../config/schema.ts';
import type { ExperimentTracker, TrackedRun, TrackedRunRef } from '../../ports/experiment-tracker.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { artifactBytes, type ArtifactSummary, summarizeArtifact, validateTrackedRun } from './tracked-run.ts';

export interface ObjectStoreTrackerOptions {
  /** @default 'refined' */
  readonly layer?: Layer;
  /** @default '_ml/tracking' */
  readonly prefix?: string;
  /** Hex appended to the run id after its start time. @default 4 random bytes */
  readonly randomHex?: () => string;
}

/** The record `run.json` holds: the run as given, artifacts by name, size, hash and key instead of bodies. */
export interface StoredRunRecord {
  readonly schemaVersion: 1;
  readonly tracker: 'local';
  readonly runId: string;
  readonly experimentId: string;
  readonly experiment: string;
  readonly runName: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly status: TrackedRun['status'];
  readonly params: TrackedRun['params'];
  readonly metrics: TrackedRun['metrics'];
  readonly tags: TrackedRun['tags'];
  readonly artifacts: readonly (ArtifactSummary & { readonly key: string })[];
}

/**
 * Runs kept in the lake, for `mlflow.mode: off` and local runs:
 * `<prefix>/<experiment>/<runId>/run.json` plus `artifacts/<name>` beside it.
 * The experiment's `/`-separated parts become folders (each part made
 * key-safe); that path is the experiment id. Artifacts are written first and
 * run.json last, so a run.json means a complete run.
 */
export class ObjectStoreTracker implements ExperimentTracker {
  private readonly layer: Layer;
  private readonly prefix: string;
  private readonly randomHex: () => string;

  constructor(
    private readonly store: ObjectStore,
    options: ObjectStoreTrackerOptions = {},
  ) {
    this.layer = options.layer ?? 'refined';
    this.prefix = (options.prefix ?? '_ml/tracking').replace(/\/+$/, '');
    this.randomHex = options.randomHex ?? (() => randomBytes(4).toString('hex'));
  }

  async logRun(run: TrackedRun): Promise<TrackedRunRef> {
    validateTrackedRun(run);
    const experimentId = experimentSlug(run.experiment);
    // Start time first so a listing sorts runs in the order they ran; the hex keeps same-second runs apart.
    const runId = `${new Date(run.startedAt).toISOString().replace(/[-:]|\.\d+/g, '')}-${this.randomHex()}`;
    const folder = `${this.prefix}/${experimentId}/${runId}`;

    const artifacts: (ArtifactSummary & { key: string })[] = [];
    for (const artifact of run.artifacts) {
      const key = `${folder}/artifacts/${artifact.name}`;
      await this.store.write(this.layer, key, artifactBytes(artifact));
      artifacts.push({ ...summarizeArtifact(artifact), key });
    }
    const record: StoredRunRecord = {
      schemaVersion: 1,
      tracker: 'local',
      runId,
      experimentId,
      experiment: run.experiment,
      runName: run.runName,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      status: run.status,
      params: run.params,
      metrics: run.metrics,
      tags: run.tags,
      artifacts,
    };
    await this.store.write(this.layer, `${folder}/run.json`, `${JSON.stringify(record, null, 2)}\n`);
    return { tracker: 'local', runId, experimentId };
  }
}

/** `strata-dev/seller-churn` -> `strata-dev/seller-churn`; `Strata Dev/Churn (v2)` -> `strata-dev/churn-v2`. */
export function experimentSlug(experiment: string): string {
  return experiment
    .split('/')
    .map((part) => {
      const slug = part.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
      return slug === '' || /^\.+$/.test(slug) ? '_' : slug;
    })
    .join('/');
}
