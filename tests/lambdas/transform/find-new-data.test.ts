/**
 * Whether a process run has anything to do, told from the same listing the
 * trusted builds make: a run with nothing new ends at once, and one whose
 * feed went quiet past the freshness window still runs, so its quality check
 * says so.
 */
import { describe, expect, it } from 'vitest';
import { findNewData } from '../../../lambdas/transform/find-new-data.ts';
import { datasetNamed } from '../../support/catalog.ts';
import { FRESHNESS_MAX_AGE_HOURS } from '../../../pipelines/quality/rules.ts';
import { lakePerTest, type TestLake } from '../../pipelines/support/lake.ts';

let lake: TestLake;
lakePerTest((opened) => (lake = opened));

const SELLERS = [datasetNamed('sellers', 'trusted')];
const at = (hour: number) => new Date(Date.UTC(2026, 0, 1, hour));
const seller = (id: string) => `${id},01001,sao paulo,SP`;

describe('findNewData', () => {
  it('is due while a table is not built yet, and names it', async () => {
    await expect(findNewData(lake.store, SELLERS, { now: at(1) })).resolves.toEqual({ due: true, reason: 'trusted sellers is not built yet', tables: ['sellers'] });
  });

  it('is not due once every staged file is merged, and due again when a file is staged', async () => {
    lake.writeRaw('sellers', [seller('s1')], { file: 'a.csv', ingestedAt: at(1).toISOString() });
    await lake.build('sellers', { runId: 'run-1', now: at(1) });
    const quiet = await findNewData(lake.store, SELLERS, { now: at(2) });
    expect(quiet).toEqual({ due: false, reason: 'nothing new since the last merge (latest ingest 2026-01-01T01:00:00.000Z)', tables: [] });

    lake.writeRaw('sellers', [seller('s2')], { file: 'b.csv', ingestedAt: at(2).toISOString() });
    await expect(findNewData(lake.store, SELLERS, { now: at(3) })).resolves.toEqual({ due: true, reason: 'new staged files for sellers', tables: ['sellers'] });
  });

  it('is due on a full refresh, new data or not', async () => {
    lake.writeRaw('sellers', [seller('s1')], { file: 'a.csv', ingestedAt: at(1).toISOString() });
    await lake.build('sellers', { runId: 'run-1', now: at(1) });
    await expect(findNewData(lake.store, SELLERS, { now: at(2), fullRefresh: true })).resolves.toMatchObject({ due: true, tables: ['sellers'] });
    await expect(findNewData(lake.store, SELLERS, { now: at(2), fullRefresh: false })).resolves.toMatchObject({ due: false });
  });

  it('is due when nothing arrived for longer than the freshness window, so the quality check reports the stale feed', async () => {
    lake.writeRaw('sellers', [seller('s1')], { file: 'a.csv', ingestedAt: at(1).toISOString() });
    await lake.build('sellers', { runId: 'run-1', now: at(1) });
    await expect(findNewData(lake.store, SELLERS, { now: at(1 + FRESHNESS_MAX_AGE_HOURS) })).resolves.toMatchObject({ due: false });
    await expect(findNewData(lake.store, SELLERS, { now: at(2 + FRESHNESS_MAX_AGE_HOURS) })).resolves.toMatchObject({ due: true, tables: [] });
  });
});
