/**
 * API polling: GET an HTTP JSON source, validate the whole answer, and land
 * its records in raw as one JSON-lines file (the answer as received) and,
 * for a source that feeds a table, as that table's CSV in landing, which the
 * ingest flow then stages like any drop. A failed poll writes nothing.
 */
import type { Environment } from '../../config/schema.ts';
import { LANDING_PREFIX } from '../../pipelines/contract/lake-layout.ts';
import type { HttpJsonSource, SourceLanding } from '../../pipelines/workloads/http-source.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { SecretStore } from '../ports/secret-store.ts';

export interface PollApiDeps {
  readonly store: ObjectStore;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** `env.ingestion`: per-attempt timeout, attempts per request, the cap on one answer's bytes and on a poll's records. */
  readonly limits: Pick<Environment['ingestion'], 'pollTimeoutSeconds' | 'pollAttempts' | 'maxPollMb' | 'maxPollRecords'>;
  /** First retry waits about this long, doubling each time, with jitter. @default 500 */
  readonly backoffBaseMs?: number;
  /** No wait between attempts exceeds this, whatever Retry-After asks. @default 30000 */
  readonly maxBackoffMs?: number;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface PollApiOptions {
  /** Replaces `source.url` (a local stub server, a regional endpoint). */
  readonly url?: string;
}

export interface PollApiResult {
  /** Key in the raw layer: `<source>/ingest_date=YYYY-MM-DD/<ISO timestamp>.jsonl`; null when the API answered with no records (nothing written). */
  readonly key: string | null;
  /** Key in the raw layer of the CSV dropped for its table (`landing/<source>/<ISO time>/<file>`); absent when the source lands none or nothing was written. */
  readonly landingKey?: string;
  readonly records: number;
  /** HTTP requests made, over all batches and retries. */
  readonly attempts: number;
}

/** A poll that failed for good; `attempts` says how hard it tried. The message never holds the API key. */
export class PollError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'PollError';
  }
}

/** One attempt's failure; `retryable` decides whether another attempt is made. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Polls `source` once: one GET per batch (see `HttpJsonSource.batches`),
 * each with its own attempts. Network errors, timeouts, 5xx, 429 and answers
 * that are not the expected JSON are retried with exponential backoff and
 * jitter (Retry-After honoured, up to `maxBackoffMs`); other 4xx and
 * redirects fail at once, and so do an answer over `maxPollMb` (reading
 * stops there), bytes that are not UTF-8 and more than `maxPollRecords`
 * records in all: what an API sends again would be refused again. Records
 * are written only after every batch answered and validated, in one
 * whole-or-nothing write, each record a JSON object with `_ingested_at` (the
 * poll's time, ISO 8601) added.
 *
 * Throws PollError when the poll fails; rejects with the SecretStore's error
 * when the key cannot be read.
 */
export async function pollApi(deps: PollApiDeps, source: HttpJsonSource, options?: PollApiOptions): Promise<PollApiResult> {
  if (!/^[a-z][a-z0-9_]*$/.test(source.name)) throw new Error(`pollApi: source name "${source.name}" must be a lower-case table name`);
  const apiKey = await deps.secrets.get(source.apiKeySecret);
  const endpoint = options?.url ?? source.url;
  // What error messages may show of the request: never the query string, which can hold the key.
  const shown = safeUrl(endpoint);
  const scrub = (text: string): string => (apiKey ? text.split(apiKey).join('***') : text);

  const records: Record<string, unknown>[] = [];
  let attempts = 0;
  for (const batch of source.batches ?? [{}]) {
    const url = new URL(endpoint);
    for (const [name, value] of Object.entries({ ...source.query, ...batch })) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (source.apiKey.in === 'query') url.searchParams.set(source.apiKey.parameter, apiKey);
    else headers[source.apiKey.header] = apiKey;

    for (let attempt = 1; ; attempt++) {
      attempts++;
      try {
        const answered = await attemptOnce(deps, source, url, headers, shown);
        if (records.length + answered.length > deps.limits.maxPollRecords) {
          throw new AttemptFailure(`the poll's answers hold more than maxPollRecords (${deps.limits.maxPollRecords}) records: ${records.length + answered.length} so far`, false);
        }
        // A loop, not push(...spread): a large answer would overflow the call stack.
        for (const record of answered) records.push(record);
        break;
      } catch (error) {
        const failure = error instanceof AttemptFailure ? error : new AttemptFailure(describeFetchError(error, deps.limits.pollTimeoutSeconds), true);
        const message = scrub(`${source.name}: GET ${shown} failed on attempt ${attempt} of ${deps.limits.pollAttempts}: ${failure.message}`);
        if (!failure.retryable) throw new PollError(`${message} (not retried)`, attempts);
        if (attempt >= deps.limits.pollAttempts) throw new PollError(`${message}; giving up, nothing written`, attempts);
        await sleep(backoffMs(deps, attempt, failure.retryAfterMs));
      }
    }
  }

  if (records.length === 0) return { key: null, records: 0, attempts };
  const now = deps.clock.now();
  const ingestedAt = now.toISOString();
  const key = `${source.name}/ingest_date=${ingestedAt.slice(0, 10)}/${ingestedAt}.jsonl`;
  await deps.store.write('raw', key, jsonLines(records, ingestedAt));
  if (!source.lands) return { key, records: records.length, attempts };
  // After the JSON lines: a crash between the two leaves the answer in raw, never a drop without its original.
  const landingKey = `${LANDING_PREFIX}${source.name}/${ingestedAt.replaceAll(':', '-')}/${source.lands.file}`;
  await deps.store.write('raw', landingKey, landingCsv(records, source.lands));
  return { key, landingKey, records: records.length, attempts };
}

/** A value at a dot-separated path of a record; a number segment indexes an array. */
function valueAt(record: unknown, path: string): unknown {
  let value = record;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value) ? (/^\d+$/.test(segment) ? value[Number(segment)] : undefined) : (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A value as CSV text: strings as they are, numbers and booleans as JSON writes them, nested values as JSON, nothing as empty. */
function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The records as the table's CSV: a header of its columns, then one line per record. */
function landingCsv(records: readonly Record<string, unknown>[], lands: SourceLanding): Uint8Array {
  const columns = Object.entries(lands.columns);
  const chunks: Buffer[] = [Buffer.from(`${columns.map(([column]) => fieldText(column)).join(',')}\r\n`, 'utf8')];
  for (let start = 0; start < records.length; start += RECORDS_PER_CHUNK) {
    let text = '';
    for (const record of records.slice(start, start + RECORDS_PER_CHUNK)) text += `${columns.map(([, path]) => fieldText(valueAt(record, path))).join(',')}\r\n`;
    chunks.push(Buffer.from(text, 'utf8'));
  }
  return Buffer.concat(chunks);
}

async function attemptOnce(deps: PollApiDeps, source: HttpJsonSource, url: URL, headers: Record<string, string>, shown: string): Promise<Record<string, unknown>[]> {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  // One signal for the headers and the body: a server that trickles its body is as stuck as one that never answers.
  const signal = AbortSignal.timeout(deps.limits.pollTimeoutSeconds * 1000);
  // Redirects are not followed: the key would travel with the request to wherever they point.
  const response = await fetchImpl(url, { headers, signal, redirect: 'manual' });
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel().catch(() => undefined);
    return Promise.reject(new AttemptFailure(`HTTP ${response.status}`, true, retryAfterMs(response.headers.get('retry-after'), deps.clock)));
  }
  if (response.status < 200 || response.status >= 300) {
    const snippet = await errorSnippet(response);
    throw new AttemptFailure(`HTTP ${response.status}${snippet ? ` ${JSON.stringify(snippet)}` : ''}`, false);
  }
  const text = await readBody(response, deps.limits.maxPollMb);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AttemptFailure(`response is not valid JSON (${(error as Error).message})`, true);
  }
  let records: unknown = parsed;
  for (const step of source.recordsPath.split('.')) {
    records = records !== null && typeof records === 'object' && !Array.isArray(records) ? (records as Record<string, unknown>)[step] : undefined;
  }
  if (!Array.isArray(records)) throw new AttemptFailure(`response has no array at records path "${source.recordsPath}" of ${shown}`, true);
  records.forEach((record, index) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new AttemptFailure(`record ${index} at "${source.recordsPath}" is not a JSON object`, true);
    }
  });
  return records as Record<string, unknown>[];
}

/**
 * The answer's text, read as it streams: refused (not retried) past `maxMb`,
 * declared or counted, without reading further; bytes that are not UTF-8 are
 * refused, never replaced with U+FFFD.
 */
async function readBody(response: Response, maxMb: number): Promise<string> {
  const maxBytes = maxMb * 1024 * 1024;
  const tooLarge = (bytes: string) => new AttemptFailure(`answer of ${bytes} bytes is over maxPollMb (${maxMb} MB); not read further`, false);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(String(declared));
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parts: string[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) throw tooLarge(`more than ${maxBytes}`);
      parts.push(decoder.decode(value, { stream: true }));
    }
    parts.push(decoder.decode());
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new AttemptFailure(`answer is not valid UTF-8 (after ${bytes} bytes); nothing is replaced or written`, false);
    }
    throw error;
  }
  return parts.join('');
}

/** The first 200 characters of an error answer, for the message: its first chunk only, the rest not read. */
async function errorSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  try {
    const { value } = await reader.read();
    return value ? new TextDecoder().decode(value.subarray(0, 800)).slice(0, 200) : '';
  } catch {
    return '';
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Records encoded into one chunk of the written file at a time. */
const RECORDS_PER_CHUNK = 10_000;

/** The records as JSON lines with `_ingested_at`, encoded a batch at a time: never one string of the whole poll. */
function jsonLines(records: readonly Record<string, unknown>[], ingestedAt: string): Uint8Array {
  const chunks: Buffer[] = [];
  for (let start = 0; start < records.length; start += RECORDS_PER_CHUNK) {
    let text = '';
    for (const record of records.slice(start, start + RECORDS_PER_CHUNK)) text += `${JSON.stringify({ ...record, _ingested_at: ingestedAt })}\n`;
    chunks.push(Buffer.from(text, 'utf8'));
  }
  return Buffer.concat(chunks);
}

function describeFetchError(error: unknown, timeoutSeconds: number): string {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no complete answer within pollTimeoutSeconds (${timeoutSeconds} s)`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return `network error: ${(error as Error | undefined)?.message ?? String(error)}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, clock: Clock): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(at - clock.now().getTime(), 0);
}

/** Exponential backoff with equal jitter: half the step fixed, half random, so retries from many pollers spread out. */
function backoffMs(deps: PollApiDeps, attempt: number, retryAfter: number | undefined): number {
  const step = (deps.backoffBaseMs ?? 500) * 2 ** (attempt - 1);
  const jittered = step / 2 + (deps.random ?? Math.random)() * (step / 2);
  return Math.min(Math.max(jittered, retryAfter ?? 0), deps.maxBackoffMs ?? 30_000);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    throw new Error(`pollApi: "${url.split('?')[0]}" is not a URL`);
  }
}
