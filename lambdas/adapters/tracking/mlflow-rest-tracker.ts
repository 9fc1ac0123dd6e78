/**
 * Experiment tracking over the MLflow REST API 2.0: the same calls against
 * SageMaker MLflow (SigV4), Databricks (bearer token) or a plain server.
 *
 * One run is five kinds of request: experiments/get-by-name (then
 * experiments/create when missing), runs/create, runs/log-batch (as many as
 * MLflow's batch limits need), artifacts (optional), runs/update.
 */
import type { ExperimentTracker, TrackedRun, TrackedRunRef } from '../../ports/experiment-tracker.ts';
import { artifactBytes, summarizeArtifact, validateTrackedRun } from './tracked-run.ts';

/** A request as it will be sent, for `authorize` to sign or decorate. */
export interface MlflowHttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Absolute; query values encoded with encodeURIComponent (spaces as %20, never `+`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** Headers to add to a request (Authorization, x-amz-*...). Called again for every attempt. */
export type MlflowAuthorize = (request: MlflowHttpRequest) => Promise<Record<string, string>>;

/** Where an MLflow is and how to talk to it; built per backend (sageMakerMlflowTracking, databricksMlflowTracking). */
export interface MlflowConnection {
  /** Server root: requests go to `<baseUrl>/api/2.0/mlflow/...`. */
  readonly baseUrl: string;
  readonly authorize: MlflowAuthorize;
  /** The backend's name for a platform experiment (Databricks wants a workspace path). @default the name as is */
  readonly experimentName?: (experiment: string) => string;
  /** A link to a run; undefined when the backend has no stable one. @default `<baseUrl>/#/experiments/<e>/runs/<r>` */
  readonly runUrl?: (experimentId: string, runId: string) => string | undefined;
}

export interface MlflowRestTrackerOptions extends MlflowConnection {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Per attempt. @default 30000 */
  readonly timeoutMs?: number;
  /** Attempts per request, counting the first; 429, 5xx, timeouts and network errors are retried. @default 4 */
  readonly attempts?: number;
  /** First retry waits about this long, doubling each time, with jitter. @default 500 */
  readonly backoffBaseMs?: number;
  /** No wait exceeds this, whatever Retry-After asks. @default 20000 */
  readonly maxBackoffMs?: number;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * PUT artifact bodies through the MLflow artifacts proxy
   * (`/api/2.0/mlflow-artifacts/artifacts/...`). Off by default: the tracking
   * API has no upload call, and the proxy only serves runs whose artifact_uri
   * is `mlflow-artifacts:` (a server started with --serve-artifacts).
   * SageMaker MLflow hands out `s3://` artifact URIs (clients write to S3
   * themselves) and Databricks `dbfs:`, so there the bodies stay in the lake
   * and each artifact is recorded as a `strata.artifact.<name>` tag with its
   * sha256, size and content type. Those tags are written in both modes.
   * @default false
   */
  readonly uploadArtifacts?: boolean;
}

/** MLflow's own limits (mlflow/utils/validation.py; Databricks documents the same for log-batch). */
export const MLFLOW_LIMITS = {
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  metricsPerBatch: 1000,
  entitiesPerBatch: 1000,
  /** Bytes of one log-batch body; we stay a margin below it. */
  batchBytes: 1_000_000,
  paramValueLength: 6000,
  tagValueLength: 5000,
} as const;

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const BATCH_BYTES_BUDGET = MLFLOW_LIMITS.batchBytes - 50_000;

/** A request MLflow refused or that never got an answer. The message names the endpoint, status and MLflow error; never headers. */
export class MlflowRequestError extends Error {
  override readonly name = 'MlflowRequestError';
  constructor(
    message: string,
    /** `METHOD origin/path`, without query. */
    readonly endpoint: string,
    readonly attempts: number,
    readonly status?: number,
    /** MLflow's `error_code`, e.g. INVALID_PARAMETER_VALUE, RESOURCE_DOES_NOT_EXIST. */
    readonly errorCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface KeyValue {
  key: string;
  value: string;
}
interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
interface Batch {
  params: KeyValue[];
  tags: KeyValue[];
  metrics: Metric[];
}

/** Logs each run to an MLflow tracking server through its REST API. */
export class MlflowRestTracker implements ExperimentTracker {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly experimentIds = new Map<string, string>();

  constructor(private readonly options: MlflowRestTrackerOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) throw new Error(`MlflowRestTracker: baseUrl "${options.baseUrl}" must be an http(s) URL`);
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async logRun(run: TrackedRun): Promise<TrackedRunRef> {
    validateTrackedRun(run);
    const experimentName = this.options.experimentName?.(run.experiment) ?? run.experiment;
    const experimentId = await this.experimentId(experimentName);

    const created = await this.json<{ run?: { info?: { run_id?: string; run_uuid?: string; artifact_uri?: string } } }>('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: run.runName,
      start_time: Date.parse(run.startedAt),
    });
    const runId = created.run?.info?.run_id ?? created.run?.info?.run_uuid;
    if (!runId) throw new Error(`MlflowRestTracker: runs/create in experiment ${experimentId} answered without run.info.run_id`);

    try {
      const artifactRoot = this.options.uploadArtifacts && run.artifacts.length > 0 ? proxiedArtifactPath(created.run?.info?.artifact_uri, runId) : undefined;
      for (const batch of logBatches(run)) {
        await this.json('POST', 'runs/log-batch', { run_id: runId, ...batch });
      }
      if (artifactRoot !== undefined) {
        for (const artifact of run.artifacts) {
          const path = `${artifactRoot}/${artifact.name}`.split('/').map(encodeURIComponent).join('/');
          await this.send('PUT', `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${path}`, { 'content-type': artifact.contentType }, artifactBytes(artifact));
        }
      }
      await this.json('POST', 'runs/update', { run_id: runId, status: run.status, end_time: Date.parse(run.endedAt) });
    } catch (error) {
      // Leave no run RUNNING forever: mark it FAILED, then report what went wrong.
      let marked: string;
      try {
        await this.json('POST', 'runs/update', { run_id: runId, status: 'FAILED', end_time: Date.parse(run.endedAt) });
        marked = 'was marked FAILED';
      } catch (markError) {
        marked = `could not be marked FAILED either (${(markError as Error).message})`;
      }
      const message = `${(error as Error).message}; run ${runId} in experiment ${experimentId} ${marked}`;
      if (error instanceof MlflowRequestError) {
        throw new MlflowRequestError(message, error.endpoint, error.attempts, error.status, error.errorCode, { cause: error });
      }
      throw new Error(message, { cause: error });
    }

    const url = this.options.runUrl ? this.options.runUrl(experimentId, runId) : `${this.baseUrl}/#/experiments/${experimentId}/runs/${runId}`;
    return { tracker: 'mlflow', runId, experimentId, ...(url ? { url } : {}) };
  }

  /** The experiment's id, creating the experiment on first use; remembered for this tracker's life. */
  private async experimentId(name: string): Promise<string> {
    const known = this.experimentIds.get(name);
    if (known) return known;
    let id = await this.findExperiment(name);
    if (id === undefined) {
      try {
        id = (await this.json<{ experiment_id?: string }>('POST', 'experiments/create', { name })).experiment_id;
      } catch (error) {
        // Someone else created it between our lookup and our create.
        const code = (error as MlflowRequestError).errorCode;
        if (code !== 'RESOURCE_ALREADY_EXISTS' && code !== 'ALREADY_EXISTS') throw error;
        id = await this.findExperiment(name);
      }
      if (!id) throw new Error(`MlflowRestTracker: experiments/create "${name}" answered without experiment_id`);
    }
    this.experimentIds.set(name, id);
    return id;
  }

  private async findExperiment(name: string): Promise<string | undefined> {
    let answer: { experiment?: { experiment_id?: string; lifecycle_stage?: string } };
    try {
      answer = await this.json('GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof MlflowRequestError && (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || (error.status === 404 && !error.errorCode))) return undefined;
      throw error;
    }
    const experiment = answer.experiment;
    if (!experiment?.experiment_id) throw new Error(`MlflowRestTracker: experiments/get-by-name "${name}" answered without experiment.experiment_id`);
    if (experiment.lifecycle_stage === 'deleted') {
      throw new Error(`MlflowRestTracker: experiment "${name}" (id ${experiment.experiment_id}) is deleted; restore it (experiments/restore) or name another experiment`);
    }
    return experiment.experiment_id;
  }

  /** A tracking API call: JSON in (POST) or query (GET), JSON out. */
  private async json<T = Record<string, unknown>>(method: 'GET' | 'POST', endpoint: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}/api/2.0/mlflow/${endpoint}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const text = await this.send(method, url, headers, body === undefined ? undefined : JSON.stringify(body));
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MlflowRequestError(`MLflow ${method} ${withoutQuery(url)} answered 200 with a body that is not JSON: ${text.slice(0, 200)}`, `${method} ${withoutQuery(url)}`, 1);
    }
  }

  /** Sends with retries; returns the body of a 2xx answer or throws MlflowRequestError. */
  private async send(method: MlflowHttpRequest['method'], url: string, headers: Record<string, string>, body: string | Uint8Array | undefined): Promise<string> {
    const endpoint = `${method} ${withoutQuery(url)}`;
    const attempts = Math.max(1, this.options.attempts ?? 4);
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    for (let attempt = 1; ; attempt += 1) {
      let failure: { message: string; retryable: boolean; status?: number; errorCode?: string; retryAfterMs?: number; cause?: unknown };
      let auth: Record<string, string>;
      try {
        const request: MlflowHttpRequest = body === undefined ? { method, url, headers } : { method, url, headers, body };
        auth = await this.options.authorize(request);
      } catch (error) {
        // No credentials, no token: another attempt would not find them either.
        throw new MlflowRequestError(`MLflow ${endpoint}: cannot authorize the request: ${(error as Error).message}`, endpoint, attempt, undefined, undefined, { cause: error });
      }
      try {
        const response = await this.fetch(url, {
          method,
          headers: { ...headers, ...auth },
          // Uint8Array<ArrayBufferLike> is a valid fetch body; the DOM typings only name ArrayBuffer-backed views.
          ...(body === undefined ? {} : { body: body as BodyInit }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        if (response.ok) return text;
        const { errorCode, message } = mlflowError(text);
        failure = {
          message: `HTTP ${response.status}${errorCode ? ` ${errorCode}` : ''}: ${message}`,
          retryable: RETRYABLE_STATUS.has(response.status),
          status: response.status,
          ...(errorCode ? { errorCode } : {}),
          ...retryAfter(response.headers.get('retry-after')),
        };
      } catch (error) {
        const name = (error as Error | undefined)?.name;
        const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
        failure = {
          message:
            name === 'TimeoutError' || name === 'AbortError'
              ? `no answer within ${timeoutMs} ms`
              : `network error: ${(error as Error | undefined)?.message ?? String(error)}${cause ? ` (${cause.code ?? cause.message})` : ''}`,
          retryable: true,
          cause: error,
        };
      }
      if (!failure.retryable || attempt >= attempts) {
        throw new MlflowRequestError(
          `MLflow ${endpoint} failed: ${failure.message} (${attempt} attempt${attempt === 1 ? '' : 's'})`,
          endpoint,
          attempt,
          failure.status,
          failure.errorCode,
          failure.cause === undefined ? undefined : { cause: failure.cause },
        );
      }
      await sleep(this.backoffMs(attempt, failure.retryAfterMs));
    }
  }

  /** Exponential backoff with equal jitter, never shorter than Retry-After, never longer than maxBackoffMs. */
  private backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const step = (this.options.backoffBaseMs ?? 500) * 2 ** (attempt - 1);
    const jittered = step / 2 + (this.options.random ?? Math.random)() * (step / 2);
    return Math.min(Math.max(jittered, retryAfterMs ?? 0), this.options.maxBackoffMs ?? 20_000);
  }
}

/**
 * Params, tags and metrics cut into log-batch bodies within MLflow's limits.
 * Params become strings (MLflow stores them so); values over MLflow's length
 * limits are cut with a marker saying how long they were. Every artifact adds
 * a `strata.artifact.<name>` tag: sha256, size, content type.
 */
export function logBatches(run: TrackedRun): Batch[] {
  const timestamp = Date.parse(run.endedAt);
  const params = Object.entries(run.params).map(([key, value]) => ({ key, value: truncate(String(value), MLFLOW_LIMITS.paramValueLength) }));
  const tags = Object.entries(run.tags).map(([key, value]) => ({ key, value: truncate(value, MLFLOW_LIMITS.tagValueLength) }));
  for (const artifact of run.artifacts) {
    const { sha256, sizeBytes, contentType } = summarizeArtifact(artifact);
    tags.push({ key: `strata.artifact.${artifact.name}`, value: JSON.stringify({ sha256, sizeBytes, contentType }) });
  }
  const metrics = Object.entries(run.metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 }));

  const batches: Batch[] = [];
  let batch: Batch = { params: [], tags: [], metrics: [] };
  let bytes = 0;
  const add = (kind: keyof Batch, item: KeyValue | Metric, limit: number): void => {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    const count = batch.params.length + batch.tags.length + batch.metrics.length;
    if (batch[kind].length >= limit || count >= MLFLOW_LIMITS.entitiesPerBatch || bytes + size > BATCH_BYTES_BUDGET) {
      batches.push(batch);
      batch = { params: [], tags: [], metrics: [] };
      bytes = 0;
    }
    (batch[kind] as (KeyValue | Metric)[]).push(item);
    bytes += size;
  };
  for (const item of params) add('params', item, MLFLOW_LIMITS.paramsPerBatch);
  for (const item of tags) add('tags', item, MLFLOW_LIMITS.tagsPerBatch);
  for (const item of metrics) add('metrics', item, MLFLOW_LIMITS.metricsPerBatch);
  if (batch.params.length + batch.tags.length + batch.metrics.length > 0) batches.push(batch);
  return batches;
}

/** Cuts a value to `limit` characters (code points, as MLflow counts), ending with a marker. */
export function truncate(value: string, limit: number): string {
  const chars = Array.from(value);
  if (chars.length <= limit) return value;
  const marker = `...[truncated, ${chars.length} chars]`;
  return chars.slice(0, limit - marker.length).join('') + marker;
}

/** The proxy path of a run's artifacts, from an `mlflow-artifacts:/<exp>/<run>/artifacts` URI. */
function proxiedArtifactPath(artifactUri: string | undefined, runId: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+?)\/*$/.exec(artifactUri ?? '');
  if (!match?.[1]) {
    throw new Error(
      `MlflowRestTracker: uploadArtifacts is on, but run ${runId} has artifact_uri ${JSON.stringify(artifactUri ?? null)}, which the MLflow artifacts proxy does not serve ` +
        '(it needs mlflow-artifacts:, i.e. a server run with --serve-artifacts); turn uploadArtifacts off to record artifacts as sha256 tags',
    );
  }
  return match[1];
}

function mlflowError(text: string): { errorCode?: string; message: string } {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown; Message?: unknown };
    const message = body.message ?? body.Message;
    return {
      ...(typeof body.error_code === 'string' ? { errorCode: body.error_code } : {}),
      message: typeof message === 'string' ? message : text.slice(0, 300),
    };
  } catch {
    return { message: text.trim() === '' ? '(empty body)' : text.slice(0, 300) };
  }
}

function retryAfter(header: string | null): { retryAfterMs?: number } {
  if (!header) return {};
  if (/^\d+$/.test(header.trim())) return { retryAfterMs: Number(header.trim()) * 1000 };
  const at = Date.parse(header);
  return Number.isNaN(at) ? {} : { retryAfterMs: Math.max(at - Date.now(), 0) };
}

function withoutQuery(url: string): string {
  return url.split('?')[0]!;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
