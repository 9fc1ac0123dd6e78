import { cascadeParentsOf } from '../../pipelines/quality/rules.ts';
import { buildTrusted } from '../transform/build-trusted.ts';
import { recordTrustedBuild } from '../transform/trusted-build-records.ts';
import { catalogOf, optionFlag, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/**
 * `{ table, runId, fullRefresh? }` -> the trusted table merged with what
 * arrived since its watermark (or rebuilt from every staged file), with its
 * counts, also recorded for the run's quality check. Any failure is recorded
 * before it is rethrown, so the quality check reports the table as failed
 * while the other tables of the run go on.
 */
export const buildTrustedHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const table = stringField(event, 'table', 'build-trusted');
    const catalog = catalogOf(ports);
    const dataset = catalog.datasetNamed(table, 'trusted');
    const runId = stringField(event, 'runId', 'build-trusted');
    const fullRefresh = optionFlag(event, 'fullRefresh');
    try {
      const build = await withEngine(ports, (engine) =>
        buildTrusted({ engine, store: ports.store }, dataset, { runId, fullRefresh, cascadeParents: cascadeParentsOf(catalog, dataset.name), now: ports.clock.now() }),
      );
      await recordTrustedBuild(ports.store, runId, build);
      return build;
    } catch (error) {
      await recordTrustedBuild(ports.store, runId, failedBuild(dataset.name, error, fullRefresh));
      throw error;
    }
  };

function failedBuild(table: string, error: unknown, fullRefresh: boolean) {
  return {
    table,
    status: 'failed' as const,
    error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`.split('\n')[0]!.slice(0, 1000),
    rawFiles: 0,
    batchSources: [],
    rowsIn: 0,
    rowsReleased: 0,
    rowsOut: 0,
    rowsMerged: 0,
    quarantined: 0,
    rejected: 0,
    partitionsWritten: [],
    watermark: null,
    bytesRead: 0,
    bytesKeyLookup: 0,
    bytesWritten: 0,
    trustedBytes: 0,
    trustedFiles: 0,
    fullRefresh,
  };
}
