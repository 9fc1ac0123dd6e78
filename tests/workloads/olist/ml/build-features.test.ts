/**
 * buildFeatures: the snapshots come from the data, every table is written
 * one partition per snapshot, and re-running replaces instead of adding;
 * complete snapshots are skipped, incomplete ones rebuilt as data arrives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeatures, FEATURE_MANIFEST_KEY, snapshotDates } from '../../../../workloads/olist/ml/build-features.ts';
import { TableStore } from '../../../../lambdas/lake/table-store.ts';
import { pointerKey } from '../../../../pipelines/contract/lake-layout.ts';
import { filesOf, serializePointer } from '../../../../pipelines/contract/table-pointer.ts';
import { TableInputError } from '../../../../lambdas/ports/query-engine.ts';
import { buildTrusted } from '../../../../lambdas/transform/build-trusted.ts';
import { FEATURE_DATASETS } from '../../../../workloads/olist/features.ts';
import { datasetNamed } from '../../../support/catalog.ts';
import { buildHandMadeOlist, storeOf } from './sample-lake.ts';
import { lakePerTest, type TestLake } from '../../../pipelines/support/lake.ts';

/** The hand-made Olist sells from 2017-03-01 to 2018-01-01. */
const SNAPSHOTS = ['2017-04-01', '2017-05-01', '2017-06-01', '2017-07-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01', '2017-12-01', '2018-01-01', '2018-02-01'];

describe('buildFeatures', () => {
  let lake: TestLake;
  lakePerTest((opened) => (lake = opened));

  const pointerOf = async (table: string) => {
    const pointer = await new TableStore(storeOf(lake)).read('refined', table);
    if (!pointer) throw new Error(`refined ${table} has no pointer`);
    return pointer;
  };
  /** The snapshots the table's committed version has a partition for. */
  const partitions = async (table: string) => Object.keys((await pointerOf(table)).partitions).sort();
  const countRows = async (table: string) => {
    const [row] = await lake.rows(
      `select count(*) as n, count(distinct seller_id || '/' || cast(dt_reference as varchar)) as keys from ${lake.engine.relations.ref('refined', table)}`,
    );
    return { rows: Number(row!.n), keys: Number(row!.keys) };
  };
  const salesOf = async (seller: string, date: string) =>
    (await lake.rows(`select orders, revenue from ${lake.engine.relations.ref('refined', 'fs_seller_sales')} where seller_id = '${seller}' and dt_reference = date '${date}'`))[0];

  it('lists the 1st of every month from after the first sale’s month to after the last sale’s', () => {
    expect(snapshotDates('2016-09-04', '2016-09-30')).toEqual(['2016-10-01']);
    expect(snapshotDates('2017-11-15', '2018-02-01')).toEqual(['2017-12-01', '2018-01-01', '2018-02-01', '2018-03-01']);
    expect(snapshotDates('2017-12-31', '2017-12-31')).toEqual(['2018-01-01']);
  });

  it('writes every table as hive partitions dt_reference=yyyy-MM-dd of ZSTD Parquet and records each snapshot', async () => {
    await buildHandMadeOlist(lake);
    const build = await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-1', now: new Date('2026-01-02T03:04:05Z') });
    expect(build.snapshots).toEqual(SNAPSHOTS);
    expect(build.built).toEqual(SNAPSHOTS);
    expect(build.skipped).toEqual([]);
    expect(build.tables).toEqual(FEATURE_DATASETS.map((dataset) => ({ table: dataset.name, rows: 26 })));
    expect(build.rowsOut).toBe(6 * 26);
    expect(build.rowsIn).toBeGreaterThan(0);
    for (const dataset of FEATURE_DATASETS) {
      const pointer = await pointerOf(dataset.name);
      expect(pointer.partitionBy, dataset.name).toBe('dt_reference');
      // The schema is in the pointer, the snapshot a date: a table with no rows still reads with its columns.
      expect(pointer.columns, dataset.name).toEqual([...dataset.columns.map(({ name, type }) => ({ name, type })), { name: 'dt_reference', type: 'date' }]);
      expect(await partitions(dataset.name), dataset.name).toEqual(SNAPSHOTS);
      // One commit for every pending snapshot, each partition in its dt_reference=yyyy-MM-dd folder of that commit.
      for (const [date, partition] of Object.entries(pointer.partitions)) {
        expect(partition.commitId, `${dataset.name} ${date}`).toBe(pointer.commitId);
        expect(partition.folder, `${dataset.name} ${date}`).toBe(`${dataset.name}/_v/${pointer.commitId}/dt_reference=${date}`);
        for (const file of partition.files) expect(existsSync(join(lake.root, 'refined', file.key)), file.key).toBe(true);
      }
    }
    const [codec] = await lake.rows(
      `select distinct compression from parquet_metadata([${filesOf(await pointerOf('fs_seller_sales')).map((file) => `'${join(lake.root, 'refined', file.key)}'`).join(', ')}])`,
    );
    expect(codec!.compression).toBe('ZSTD');
    const manifest = JSON.parse(readFileSync(join(lake.root, 'refined', ...FEATURE_MANIFEST_KEY.split('/')), 'utf8')) as { snapshots: Record<string, unknown>[] };
    expect(manifest.snapshots.map((record) => record.dt_reference)).toEqual(SNAPSHOTS);
    expect(manifest.snapshots.at(-1)).toMatchObject({
      dt_reference: '2018-02-01',
      lastSaleDate: '2018-01-01',
      runId: 'run-1',
      builtAt: '2026-01-02T03:04:05.000Z',
      rows: { fs_seller_sales: 3, fs_seller_products: 3 },
    });
  });

  it('a second run skips the complete snapshots, rebuilds the incomplete last one, and duplicates nothing', async () => {
    await buildHandMadeOlist(lake);
    await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-1' });
    const again = await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-2' });
    // The data ends on 2018-01-01: 2018-02-01's window may still get sales; every earlier snapshot is whole.
    expect(again.built).toEqual(['2018-02-01']);
    expect(again.skipped).toEqual(SNAPSHOTS.slice(0, -1));
    expect(again.tables.every((table) => table.rows === 3)).toBe(true);
    for (const dataset of FEATURE_DATASETS) expect(await countRows(dataset.name), dataset.name).toEqual({ rows: 26, keys: 26 });
  });

  it('when data grows, rebuilds the snapshot that was incomplete and builds the new ones, leaving complete ones alone', async () => {
    await buildHandMadeOlist(lake);
    await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-1' });
    expect(await salesOf('sD', '2018-02-01')).toEqual({ orders: '1', revenue: '15.0' });
    const complete = (await pointerOf('fs_seller_sales')).partitions['2018-01-01'];
    expect(complete?.rows).toBeGreaterThan(0);

    // A second load: sD sells again on 2018-01-20 and 2018-02-10.
    lake.writeRaw('orders', ['o8,c5,delivered,2018-01-20 10:00:00,,,,', 'o9,c5,delivered,2018-02-10 10:00:00,,,,'], { ingestDate: '2026-01-02', file: 'more.csv' });
    lake.writeRaw('order_items', ['o8,1,p2,sD,,25.00,1.00', 'o9,1,p2,sD,,35.00,1.00'], { ingestDate: '2026-01-02', file: 'more.csv' });
    // Built the day of that load: a build lists the staged files ingested up to its own day.
    const loadDay = { runId: 'run-2', now: new Date('2026-01-02T12:00:00Z') };
    expect(await lake.build('orders', loadDay)).toMatchObject({ status: 'built', rowsMerged: 2 });
    expect(await lake.build('order_items', loadDay)).toMatchObject({ status: 'built', rowsMerged: 2 });

    const grown = await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-2' });
    expect(grown.snapshots).toEqual([...SNAPSHOTS, '2018-03-01']);
    expect(grown.built).toEqual(['2018-02-01', '2018-03-01']);
    expect(grown.skipped).toEqual(SNAPSHOTS.slice(0, -1));
    expect(await salesOf('sD', '2018-02-01')).toEqual({ orders: '2', revenue: '40.0' });
    expect(await salesOf('sD', '2018-03-01')).toEqual({ orders: '3', revenue: '75.0' });
    // Skipped means untouched: the pointer still names the first commit's files, and they are still there.
    const after = await pointerOf('fs_seller_sales');
    expect(after.commitId).not.toBe(complete!.commitId);
    expect(after.partitions['2018-01-01']).toEqual(complete);
    for (const file of complete!.files) expect(existsSync(join(lake.root, 'refined', file.key)), file.key).toBe(true);
    for (const dataset of FEATURE_DATASETS) expect(await countRows(dataset.name), dataset.name).toEqual({ rows: 29, keys: 29 });
  });

  it('rebuilds a complete snapshot whose partition went missing, and one the manifest does not know', async () => {
    await buildHandMadeOlist(lake);
    await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-1' });
    // The reviews' pointer loses its 2017-11-01 partition (the manifest still says it has rows).
    const reviews = await pointerOf('fs_seller_reviews');
    const { ['2017-11-01']: lost, ...kept } = reviews.partitions;
    expect(lost?.rows).toBeGreaterThan(0);
    await storeOf(lake).write('refined', pointerKey('fs_seller_reviews'), serializePointer({ ...reviews, partitions: kept }));
    const manifestPath = join(lake.root, 'refined', ...FEATURE_MANIFEST_KEY.split('/'));
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { snapshots: { dt_reference: string }[] };
    await storeOf(lake).write('refined', FEATURE_MANIFEST_KEY, JSON.stringify({ snapshots: manifest.snapshots.filter((record) => record.dt_reference !== '2017-05-01') }));
    const again = await buildFeatures(lake.engine, storeOf(lake), { runId: 'run-2' });
    expect(again.built).toEqual(['2017-05-01', '2017-11-01', '2018-02-01']);
    expect((await pointerOf('fs_seller_reviews')).partitions['2017-11-01']).toMatchObject({ rows: lost!.rows, commitId: (await pointerOf('fs_seller_reviews')).commitId });
    for (const dataset of FEATURE_DATASETS) expect(await countRows(dataset.name), dataset.name).toEqual({ rows: 26, keys: 26 });
  });

  it('names every trusted table it needs that is missing, as a TableInputError', async () => {
    lake.writeRaw('orders', ['o1,c1,delivered,2017-11-01 09:00:00,,,,']);
    await lake.build('orders');
    const failure = buildFeatures(lake.engine, storeOf(lake), { runId: 'run-1' });
    await expect(failure).rejects.toBeInstanceOf(TableInputError);
    await expect(failure).rejects.toThrow(/trusted customers .*trusted order_items .*trusted order_payments .*trusted order_reviews .*trusted products/);
    await expect(failure).rejects.not.toThrow(/trusted orders /);
  });
});
