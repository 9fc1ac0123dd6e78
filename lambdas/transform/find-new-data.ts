/**
 * Whether a process run has anything to do: a staged file some trusted table
 * has not merged yet (the same listing its build makes: the days since its
 * watermark's eve), a table not built yet, a full refresh asked for, or a
 * feed gone quiet past the freshness window (then the run goes on, so the
 * quality check's freshness warning is raised on every run until data comes
 * back, instead of never). Otherwise the flow ends at once, succeeded: no
 * function, query or warehouse is woken for an hour in which nothing landed.
 */
import type { DatasetDefinition } from '../../pipelines/datasets/index.ts';
import { FRESHNESS_MAX_AGE_HOURS } from '../../pipelines/quality/rules.ts';
import { TableStore } from '../lake/table-store.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { newStagedFiles } from './build-trusted.ts';

export interface NewData {
  /** The run has work: the flow goes on. */
  readonly due: boolean;
  /** Why, or why not, in one line (the run's log). */
  readonly reason: string;
  /** Tables with staged files not merged yet. */
  readonly tables: readonly string[];
}

const HOUR_MS = 3_600_000;

export async function findNewData(store: ObjectStore, datasets: readonly DatasetDefinition[], request: { readonly now: Date; readonly fullRefresh?: boolean }): Promise<NewData> {
  if (request.fullRefresh ?? false) return { due: true, reason: 'a full refresh rebuilds every table', tables: datasets.map((dataset) => dataset.name) };
  const tables = new TableStore(store);
  const waiting: string[] = [];
  let latest: string | undefined;
  for (const dataset of datasets) {
    const trusted = await tables.read('trusted', dataset.name);
    if (!trusted) return { due: true, reason: `trusted ${dataset.name} is not built yet`, tables: [dataset.name] };
    const watermark = trusted.watermark?.ingestedAt;
    if (watermark && (latest === undefined || watermark > latest)) latest = watermark;
    if ((await newStagedFiles(store, dataset.name, trusted.watermark, request.now)).length > 0) waiting.push(dataset.name);
  }
  if (waiting.length > 0) return { due: true, reason: `new staged files for ${waiting.join(', ')}`, tables: waiting };
  const quietHours = latest === undefined ? Number.POSITIVE_INFINITY : (request.now.getTime() - Date.parse(latest)) / HOUR_MS;
  if (quietHours > FRESHNESS_MAX_AGE_HOURS) {
    return { due: true, reason: `nothing new, and nothing arrived for more than ${FRESHNESS_MAX_AGE_HOURS} h: the quality check reports the feed as stale`, tables: [] };
  }
  return { due: false, reason: `nothing new since the last merge (latest ingest ${latest})`, tables: [] };
}
