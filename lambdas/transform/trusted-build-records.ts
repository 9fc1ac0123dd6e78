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
const TRUSTED_BUILDS_PREFIX = 'quarantine/_builds/';

const runPrefix = (runId: string) => `${TRUSTED_BUILDS_PREFIX}${encodeURIComponent(runId)}/`;

const recordKey = (runId: string, table: string) => `${runPrefix(runId)}${table}.json`;

export async function recordTrustedBuild(store: ObjectStore, runId: string, build: TrustedBuild): Promise<void> {
  await store.write('dataquality', recordKey(runId, build.table), `${JSON.stringify(build)}\n`);
}

/**
 * The run's build of each expected table, in the order given; fails naming
 * every table without one. Reads exactly those records, so a stray file
 * under the run's prefix is never taken for a build.
 */
export async function readTrustedBuilds(store: ObjectStore, runId: string, expectedTables: readonly string[]): Promise<TrustedBuild[]> {
  const recorded = new Set((await store.list('dataquality', runPrefix(runId))).map((object) => object.key));
  const missing = expectedTables.filter((table) => !recorded.has(recordKey(runId, table)));
  if (missing.length > 0) {
    throw new Error(
      `no trusted build recorded for run ${runId} of table(s) ${missing.join(', ')} under dataquality/${runPrefix(runId)}; did BuildTrustedTables run for this run id?`,
    );
  }
  return Promise.all(
    expectedTables.map(async (table) => JSON.parse(new TextDecoder().decode(await store.read('dataquality', recordKey(runId, table)))) as TrustedBuild),
  );
}
