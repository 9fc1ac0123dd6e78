/**
 * Incremental trusted builds as a specification: batch after batch, the
 * merged tables equal one full refresh over the same staged files, row by
 * row, whatever the batches hold (updated keys, late rows, duplicates across
 * batches, children before their parents); a build killed at any of its
 * writes, rerun, equals a clean run.
 */
import { describe, expect, it } from 'vitest';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { buildTrusted } from '../../../lambdas/transform/build-trusted.ts';
import { TableStore } from '../../../lambdas/lake/table-store.ts';
import { CATALOG, datasetNamed } from '../../support/catalog.ts';
import { cascadeParentsOf } from '../../../pipelines/quality/rules.ts';
import type { ObjectStore } from '../../../lambdas/ports/object-store.ts';
import { lakePerTest, openLake, type TestLake } from '../../pipelines/support/lake.ts';

let lake: TestLake;
lakePerTest((opened) => (lake = opened));

const ORDER = (id: string, status: string, purchased = '2017-10-02 10:56:33', customer = 'c1') => `${id},${customer},${status},${purchased},,,,2017-10-18 00:00:00`;
const ITEM = (order: string, n: number, price = '10.00') => `${order},${n},p1,s1,2017-10-06 11:07:15,${price},1.00`;
const at = (hour: number) => `2026-01-01T${String(hour).padStart(2, '0')}:00:00.000Z`;

/** Trusted rows and quarantined records of a table, comparable across runs (the run that quarantined them aside). */
async function contents(table: string, of: TestLake = lake) {
  const trusted = await of.table('trusted', table, 'all', { lineage: true });
  const quarantine = (await of.table('dataquality', `quarantine/${table}`, 'all')).map(({ quarantined_run: _run, quarantine_date: date, ...row }) => ({
    ...row,
    parked: date === 'parked',
  })) as (Record<string, string | null> & { parked: boolean })[];
  return { trusted, quarantine: quarantine.sort((a, b) => `${a._source_file}#${a._record_number}`.localeCompare(`${b._source_file}#${b._record_number}`)) };
}

/** A build at an hour of 2026-01-01; with `cascade`, the table's parents are checked as the handler does. */
const run = (table: string, hour: number, options: { fullRefresh?: boolean; cascade?: boolean } = {}) =>
  lake.build(table, {
    runId: `run-${hour}${options.fullRefresh ? '-full' : ''}`,
    now: new Date(at(hour)),
    cascadeParents: options.cascade ? cascadeParentsOf(CATALOG, table) : [],
    fullRefresh: options.fullRefresh,
  });

describe('incremental trusted builds', () => {
  it('merge batch after batch into the same rows as one full refresh: updates, late rows, duplicates across batches', async () => {
    lake.writeRaw('orders', [ORDER('o1', 'shipped'), ORDER('o2', 'shipped', '2017-11-05 08:00:00'), ORDER('o3', 'approved', '2018-01-09 12:00:00')], { file: 'a.csv', ingestedAt: at(1) });
    const first = await run('orders', 1);
    expect(first).toMatchObject({ status: 'built', rowsIn: 3, rowsMerged: 3, quarantined: 0, partitionsWritten: ['2017-10', '2017-11', '2018-01'] });

    // o1 is delivered now; o4 is new; o2 comes twice in one file, the later wins.
    lake.writeRaw('orders', [ORDER('o1', 'delivered'), ORDER('o4', 'created', '2017-10-20 00:00:00'), ORDER('o2', 'invoiced', '2017-11-05 08:00:00'), ORDER('o2', 'delivered', '2017-11-05 08:00:00')], {
      file: 'b.csv',
      ingestedAt: at(2),
    });
    const second = await run('orders', 2);
    expect(second).toMatchObject({ status: 'built', rawFiles: 1, rowsIn: 4, rowsMerged: 3, partitionsWritten: ['2017-10', '2017-11'] });
    // The replaced o1 and o2 and the superseded duplicate of o2 are quarantined, with the records as they arrived.
    expect(second.quarantined).toBe(3);

    // A late, older copy of o1 (an earlier export re-sent) loses against the row already in trusted.
    lake.writeRaw('orders', [ORDER('o1', 'processing')], { file: 'a-resent.csv', ingestedAt: at(1) });
    const third = await run('orders', 3);
    expect(third).toMatchObject({ rowsIn: 1, rowsMerged: 0, quarantined: 1 });

    const incremental = await contents('orders');
    expect(incremental.trusted.map((row) => [row.order_id, row.order_status])).toEqual([
      ['o1', 'delivered'],
      ['o2', 'delivered'],
      ['o3', 'approved'],
      ['o4', 'created'],
    ]);
    await run('orders', 4, { fullRefresh: true });
    expect(await contents('orders')).toEqual(incremental);
  });

  it('rewrites only the partitions a batch touches, and skips a table with nothing new', async () => {
    lake.writeRaw('orders', [ORDER('o1', 'shipped'), ORDER('o2', 'shipped', '2017-11-05 08:00:00')], { ingestedAt: at(1) });
    await run('orders', 1);
    const tables = new TableStore(lake.store);
    const before = (await tables.read('trusted', 'orders'))!;
    lake.writeRaw('orders', [ORDER('o5', 'created', '2017-11-30 00:00:00')], { file: 'c.csv', ingestedAt: at(2) });
    expect(await run('orders', 2)).toMatchObject({ partitionsWritten: ['2017-11'] });
    const after = (await tables.read('trusted', 'orders'))!;
    expect(after.partitions['2017-10']).toEqual(before.partitions['2017-10']);
    expect(after.partitions['2017-11']!.folder).not.toBe(before.partitions['2017-11']!.folder);
    expect(after.watermark?.ingestedAt).toBe(at(2));
    expect(await run('orders', 3)).toMatchObject({ status: 'skipped', bytesRead: 0 });
  });

  it('writes each trusted file in arrival order (ingest time, source file, record number), however the merge ranked the rows', async () => {
    // Keys in the opposite order of arrival, over two batches, one key updated.
    lake.writeRaw('orders', [ORDER('o9', 'shipped'), ORDER('o5', 'shipped'), ORDER('o1', 'shipped')], { file: 'a.csv', ingestedAt: at(1) });
    await run('orders', 1);
    lake.writeRaw('orders', [ORDER('o7', 'created'), ORDER('o5', 'delivered')], { file: 'b.csv', ingestedAt: at(2) });
    await run('orders', 2);
    const pointer = (await new TableStore(lake.store).read('trusted', 'orders'))!;
    const [file] = pointer.partitions['2017-10']!.files;
    const rows = await lake.engine.query<{ order_id: string; _ingested_at: string; _record_number: number }>(
      `select order_id, _ingested_at, _record_number from read_parquet('${lake.store.pathOf('trusted', file!.key)}')`,
    );
    expect(rows.map((row) => row.order_id)).toEqual(['o9', 'o1', 'o7', 'o5']);
  });

  it('moves only the watermark for a batch of a header alone: neither the table nor its cascade parents are looked up', async () => {
    lake.writeRaw('orders', [ORDER('o1', 'shipped')], { file: 'o.csv', ingestedAt: at(1) });
    await run('orders', 1);
    // Checked against its order only (products and sellers are not built here, so it would wait parked for them).
    const ordersParent = cascadeParentsOf(CATALOG, 'order_items').filter((parent) => parent.parentTable === 'orders');
    const build = (hour: number) => lake.build('order_items', { runId: `run-${hour}`, now: new Date(at(hour)), cascadeParents: ordersParent });
    lake.writeRaw('order_items', [ITEM('o1', 1)], { file: 'i.csv', ingestedAt: at(1) });
    expect(await build(1)).toMatchObject({ rowsMerged: 1 });
    const tables = new TableStore(lake.store);
    const before = (await tables.read('trusted', 'order_items'))!;

    lake.writeRaw('order_items', [], { file: 'header-only.csv', ingestedAt: at(2) });
    const empty = await build(2);
    expect(empty).toMatchObject({ status: 'built', rowsIn: 0, rowsMerged: 0, partitionsWritten: [], bytesKeyLookup: 0 });
    const after = (await tables.read('trusted', 'order_items'))!;
    expect(after.partitions).toEqual(before.partitions);
    // The watermark covers the file: the next run has nothing new.
    expect(await build(2)).toMatchObject({ status: 'skipped' });

    // The false branch: a batch with a record looks up the table and its parent (orders).
    lake.writeRaw('order_items', [ITEM('o1', 2)], { file: 'j.csv', ingestedAt: at(3) });
    const next = await build(3);
    expect(next.bytesKeyLookup).toBeGreaterThan(0);
    expect(next.rowsMerged).toBe(1);
  });

  it('parks a child whose parent is not in trusted, naming the parent key, and releases it when the parent arrives', async () => {
    lake.writeRaw('sellers', ['s1,13000,campinas,SP'], { ingestedAt: at(1) });
    lake.writeRaw('products', ['p1,moveis,40,300,2,500,20,10,15'], { ingestedAt: at(1) });
    lake.writeRaw('orders', [ORDER('o1', 'lost')], { ingestedAt: at(1) });
    lake.writeRaw('order_items', [ITEM('o1', 1), ITEM('o9', 1)], { ingestedAt: at(1) });
    await run('sellers', 1);
    await run('products', 1);
    expect(await run('orders', 1)).toMatchObject({ rowsMerged: 0, quarantined: 1 });
    expect(await run('order_items', 1, { cascade: true })).toMatchObject({ rowsIn: 2, rowsMerged: 0, quarantined: 2 });
    const parked = (await contents('order_items')).quarantine;
    expect(parked.map((row) => [row.order_id, row.reason_kind, row.parked, row.reason])).toEqual([
      ['o1', 'cascade', true, 'order_id: parent orders.order_id = o1 is not in trusted (quarantined, or not received yet)'],
      ['o9', 'cascade', true, 'order_id: parent orders.order_id = o9 is not in trusted (quarantined, or not received yet)'],
    ]);

    // A good o1 arrives: its item leaves the quarantine for trusted; o9's stays parked.
    lake.writeRaw('orders', [ORDER('o1', 'delivered')], { file: 'fixed.csv', ingestedAt: at(2) });
    await run('orders', 2);
    expect(await run('order_items', 2, { cascade: true })).toMatchObject({ rowsIn: 0, rowsReleased: 2, rowsMerged: 1, quarantined: 1 });
    const incremental = await contents('order_items');
    expect(incremental.trusted.map((row) => row.order_id)).toEqual(['o1']);
    expect(incremental.quarantine.map((row) => [row.order_id, row.parked])).toEqual([['o9', true]]);

    await run('orders', 3, { fullRefresh: true });
    await run('order_items', 3, { fullRefresh: true, cascade: true });
    expect(await contents('order_items')).toEqual(incremental);
  });

  it('a build killed at any write (a data file or a pointer, of quarantine or trusted) leaves the previous version readable, and its rerun equals a clean run', async () => {
    const batches = (target: TestLake) => {
      target.writeRaw('orders', [ORDER('o1', 'shipped'), ORDER('o3', 'approved', '2018-01-09 12:00:00')], { ingestedAt: at(1) });
      return () => target.writeRaw('orders', [ORDER('o1', 'delivered'), ORDER('o2', 'lost'), ORDER('o4', 'created', '2017-11-05 08:00:00')], { file: 'b.csv', ingestedAt: at(2) });
    };
    const buildOf = (target: TestLake, hour: number, deps: { engine: QueryEngine; store: ObjectStore } = { engine: target.engine, store: target.store }) =>
      buildTrusted(deps, datasetNamed('orders', 'trusted'), { runId: `run-${hour}`, now: new Date(at(hour)), cascadeParents: [] });

    /** The engine and store of a lake, dying at their `dieAt`-th write (data files written by the engine, objects by the store); counting only when `dieAt` is Infinity. */
    const dyingAt = (target: TestLake, dieAt: number) => {
      let writes = 0;
      const write = async <T>(act: () => Promise<T>) => {
        writes += 1;
        if (writes === dieAt) throw new Error(`killed at write ${dieAt}`);
        return act();
      };
      const engine = new Proxy(target.engine, {
        get(object, property, receiver) {
          if (property === 'writeFiles') return (where: never, select: string) => write(() => object.writeFiles(where, select));
          const value = Reflect.get(object, property, receiver);
          return typeof value === 'function' ? value.bind(object) : value;
        },
      });
      const store = new Proxy(target.store, {
        get(object, property, receiver) {
          if (property === 'write') return (layer: never, key: string, body: string) => write(() => object.write(layer, key, body));
          const value = Reflect.get(object, property, receiver);
          return typeof value === 'function' ? value.bind(object) : value;
        },
      });
      return { deps: { engine, store }, writes: () => writes };
    };

    // A clean run, and how many writes its second build makes.
    const second = batches(lake);
    await buildOf(lake, 1);
    second();
    const counting = dyingAt(lake, Infinity);
    await buildOf(lake, 2, counting.deps);
    const writes = counting.writes();
    expect(writes).toBeGreaterThanOrEqual(4);
    const clean = await contents('orders');

    for (let dieAt = 1; dieAt <= writes; dieAt++) {
      const crashed = await openLake();
      try {
        const next = batches(crashed);
        await buildOf(crashed, 1);
        next();
        const tables = new TableStore(crashed.store);
        const before = { trusted: await tables.read('trusted', 'orders'), rows: await crashed.table('trusted', 'orders') };
        await expect(buildOf(crashed, 2, dyingAt(crashed, dieAt).deps), `dies at write ${dieAt} of ${writes}`).rejects.toThrow(`killed at write ${dieAt}`);
        // A reader sees the previous version or the new one, whole: never a mix.
        const after = await crashed.table('trusted', 'orders');
        expect([JSON.stringify(before.rows), JSON.stringify(clean.trusted.map(({ _ingested_at: _i, _source_file: _s, _record_number: _r, ...row }) => row))]).toContain(JSON.stringify(after));
        await buildOf(crashed, 3);
        expect(await contents('orders', crashed), `after dying at write ${dieAt} of ${writes}, a rerun`).toEqual(clean);
        // Nothing of the dead build is left beside what the pointer names and the versions it keeps for readers.
        const pointer = (await tables.read('trusted', 'orders'))!;
        const live = [...Object.values(pointer.partitions).map((partition) => partition.folder), ...pointer.retired];
        for (const object of await crashed.store.list('trusted', 'orders/_v/')) expect(live.some((folder) => object.key.startsWith(`${folder}/`)), object.key).toBe(true);
      } finally {
        await crashed.close();
      }
    }
  });

  it('a build killed between its quarantine and trusted commits leaves the previous version readable, and its rerun equals a clean run', async () => {
    lake.writeRaw('orders', [ORDER('o1', 'shipped')], { ingestedAt: at(1) });
    await run('orders', 1);
    lake.writeRaw('orders', [ORDER('o1', 'delivered'), ORDER('o2', 'lost')], { file: 'b.csv', ingestedAt: at(2) });
    const tables = new TableStore(lake.store);
    const committed = await tables.read('trusted', 'orders');

    // The trusted write dies half way: the quarantine is committed, the trusted pointer is not.
    const dying: QueryEngine = new Proxy(lake.engine, {
      get(target, property, receiver) {
        if (property === 'writeFiles') {
          return async (where: { layer: string; folder: string }, select: string) => {
            if (where.layer === 'trusted') {
              await target.writeFiles(where as never, select);
              throw new Error('killed');
            }
            return target.writeFiles(where as never, select);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(
      buildTrusted({ engine: dying, store: lake.store }, datasetNamed('orders', 'trusted'), { runId: 'run-2', now: new Date(at(2)), cascadeParents: [] }),
    ).rejects.toThrow('killed');
    expect(await tables.read('trusted', 'orders')).toEqual(committed);
    expect((await lake.table('trusted', 'orders')).map((row) => row.order_status)).toEqual(['shipped']);

    expect(await run('orders', 3)).toMatchObject({ status: 'built', rowsIn: 2, rowsMerged: 1, quarantined: 2 });
    const rerun = await contents('orders');
    // The dead build's files are gone: only what the pointer names and the versions it replaced remain.
    const pointer = (await tables.read('trusted', 'orders'))!;
    const live = [...Object.values(pointer.partitions).map((partition) => partition.folder), ...pointer.retired];
    for (const object of await lake.store.list('trusted', 'orders/_v/')) expect(live.some((folder) => object.key.startsWith(`${folder}/`))).toBe(true);

    await run('orders', 4, { fullRefresh: true });
    expect(await contents('orders')).toEqual(rerun);
  });
});
