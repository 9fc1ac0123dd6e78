/**
 * What every tracker checks before it writes anything, so a run the local
 * store accepts is a run MLflow accepts too (and the other way round).
 * The key rule and the key length are MLflow's (mlflow/utils/validation.py).
 */
import { createHash } from 'node:crypto';
import type { TrackedArtifact, TrackedRun } from '../../ports/experiment-tracker.ts';

/** MLflow's rule for param, metric and tag keys. */
const KEY = /^[/\w.\- ]+$/;
const MAX_KEY_LENGTH = 250;
const MAX_EXPERIMENT_NAME_LENGTH = 500;
/** Artifact names become object keys and URL paths: plain relative paths only. */
const ARTIFACT_NAME = /^[\w.-]+(\/[\w.-]+)*$/;
/** Leaves room for the `strata.artifact.` tag prefix within MLflow's key limit. */
const MAX_ARTIFACT_NAME_LENGTH = 200;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export class TrackedRunError extends Error {
  override readonly name = 'TrackedRunError';
}

/** Throws a TrackedRunError naming the first field that no tracker would accept. */
export function validateTrackedRun(run: TrackedRun): void {
  const fail = (message: string): never => {
    throw new TrackedRunError(`tracked run "${run.experiment}" / "${run.runName}": ${message}`);
  };
  if (typeof run.experiment !== 'string' || run.experiment.trim() === '') fail('experiment must be a non-empty name');
  if (run.experiment.length > MAX_EXPERIMENT_NAME_LENGTH) fail(`experiment name is longer than ${MAX_EXPERIMENT_NAME_LENGTH} characters`);
  if (run.experiment.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    fail(`experiment "${run.experiment}" must be "/"-separated names without empty, "." or ".." parts`);
  }
  if (typeof run.runName !== 'string' || run.runName.trim() === '') fail('runName must be non-empty');
  if (run.status !== 'FINISHED' && run.status !== 'FAILED') fail(`status must be FINISHED or FAILED; got ${JSON.stringify(run.status)}`);
  const started = instant(run.startedAt, 'startedAt', fail);
  const ended = instant(run.endedAt, 'endedAt', fail);
  if (ended < started) fail(`endedAt ${run.endedAt} is before startedAt ${run.startedAt}`);

  for (const [kind, record] of [['param', run.params], ['metric', run.metrics], ['tag', run.tags]] as const) {
    for (const key of Object.keys(record)) checkKey(kind, key, fail);
  }
  for (const [key, value] of Object.entries(run.params)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) fail(`param "${key}" must be a string, number or boolean; got ${typeof value}`);
  }
  for (const [key, value] of Object.entries(run.metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`metric "${key}" must be a finite number; got ${String(value)}`);
  }
  for (const [key, value] of Object.entries(run.tags)) {
    if (typeof value !== 'string') fail(`tag "${key}" must be a string; got ${typeof value}`);
  }
  const names = new Set<string>();
  for (const artifact of run.artifacts) {
    if (typeof artifact.name !== 'string' || !ARTIFACT_NAME.test(artifact.name) || artifact.name.split('/').some((part) => part === '.' || part === '..')) {
      fail(`artifact name ${JSON.stringify(artifact.name)} must be a relative path of letters, digits, "_", "-", "." (e.g. "plots/roc.svg")`);
    }
    if (artifact.name.length > MAX_ARTIFACT_NAME_LENGTH) fail(`artifact name "${artifact.name.slice(0, 40)}..." is longer than ${MAX_ARTIFACT_NAME_LENGTH} characters`);
    if (names.has(artifact.name)) fail(`artifact "${artifact.name}" is listed twice`);
    names.add(artifact.name);
    if (typeof artifact.contentType !== 'string' || artifact.contentType === '') fail(`artifact "${artifact.name}" needs a contentType`);
    if (typeof artifact.body !== 'string' && !(artifact.body instanceof Uint8Array)) fail(`artifact "${artifact.name}" body must be a string or Uint8Array`);
  }
}

function instant(value: string, field: string, fail: (message: string) => never): number {
  const ms = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) fail(`${field} must be an ISO 8601 instant with a zone (e.g. 2026-11-22T10:15:00Z); got ${JSON.stringify(value)}`);
  return ms;
}

function checkKey(kind: string, key: string, fail: (message: string) => never): void {
  if (!KEY.test(key)) fail(`${kind} key ${JSON.stringify(key)} may only hold letters, digits, "_", "-", ".", "/" and spaces`);
  if (key.length > MAX_KEY_LENGTH) fail(`${kind} key "${key.slice(0, 40)}..." is longer than ${MAX_KEY_LENGTH} characters`);
  // MLflow treats keys as file names in places: one must not resolve to another.
  if (key.startsWith('/') || key.endsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    fail(`${kind} key "${key}" must not start or end with "/" nor have empty, "." or ".." parts`);
  }
}

/** Artifact bytes as written, whatever form the body came in. */
export function artifactBytes(artifact: TrackedArtifact): Uint8Array {
  return typeof artifact.body === 'string' ? new TextEncoder().encode(artifact.body) : artifact.body;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** How each tracker describes an artifact it recorded. */
export interface ArtifactSummary {
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export function summarizeArtifact(artifact: TrackedArtifact): ArtifactSummary {
  const bytes = artifactBytes(artifact);
  return { name: artifact.name, contentType: artifact.contentType, sizeBytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}
