import type { ObjectStore } from '../ports/object-store.ts';
import type { TrustedBuild } from './build-trusted.ts';

/**
 * Each trusted build of a run leaves its counts in the lake, and the quality
 * check reads them back by run id. Orchestrators then only pass the run id:
 * Step Functions could carry the Map's result list, but a Data Factory
 * ForEach has no output to carry.
 *
 * Under `dataquality/quarantine/` because the counts reconcile raw with
 * trusted + quarantine, and both handler classes already have that prefix
 * (transform writes it, quality reads it).
 */
export const TRUSTED_BUILDS_PREFIX = 'quarantine/_builds/';

const runPrefix = (runId: string) => `${TRUSTED_BUILDS_PREFIX}${encodeURIComponent(runId)}/`;

export async function recordTrustedBuild(store: ObjectStore, runId: string, build: TrustedBuild): Promise<void> {
  await store.write('dataquality', `${runPrefix(runId)}${build.table}.json`, `${JSON.stringify(build)}\n`);
}

/** The run's builds, one per table, sorted by table; fails naming any expected table without one. */
export async function readTrustedBuilds(store: ObjectStore, runId: string, expectedTables: readonly string[]): Promise<TrustedBuild[]> {
  const objects = await store.list('dataquality', runPrefix(runId));
  const builds: TrustedBuild[] = [];
  for (const object of objects.filter((candidate) => candidate.key.endsWith('.json'))) {
    builds.push(JSON.parse(new TextDecoder().decode(await store.read('dataquality', object.key))) as TrustedBuild);
  }
  const missing = expectedTables.filter((table) => !builds.some((build) => build.table === table));
  if (missing.length > 0) {
    throw new Error(
      `no trusted build recorded for run ${runId} of table(s) ${missing.join(', ')} under dataquality/${runPrefix(runId)}; did BuildTrustedTables run for this run id?`,
    );
  }
  return builds.sort((a, b) => a.table.localeCompare(b.table));
}
