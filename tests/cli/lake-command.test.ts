import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Layer } from '../../config/schema.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { TableStore } from '../../lambdas/lake/table-store.ts';
import { POINTER_FORMAT, type CommittedPartition, type TablePointer } from '../../pipelines/contract/table-pointer.ts';
import { committedTables } from '../../cli/lake/committed-tables.ts';
import { alignedTable, csvLines } from '../../cli/lake/format.ts';
import { oneLine } from '../../cli/lake/lake-query.ts';
import { runStrata, runStrataInProcess } from '../support/run-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'strata-lake-command-'));
const lake = join(work, 'lake');
afterAll(() => rmSync(work, { recursive: true, force: true }));

let instance: DuckDBInstance;

/** Writes `select` as one Parquet file at `<lake>/<layer>/<key>`; returns its committed file. */
async function parquet(layer: Layer, key: string, select: string): Promise<{ key: string; bytes: number }> {
  const path = join(lake, layer, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  const connection = await instance.connect();
  await connection.run(`copy (${select}) to '${path}' (format parquet)`);
  connection.closeSync();
  return { key, bytes: statSync(path).size };
}

function pointer(layer: Layer, folder: string, version: number, partitions: Record<string, CommittedPartition>, extra: Partial<TablePointer> = {}): TablePointer {
  return {
    format: POINTER_FORMAT,
    layer,
    folder,
    version,
    commitId: `c${String(version).padStart(6, '0')}-run-test`,
    committedAt: `2026-12-0${version}T10:00:00.000Z`,
    columns: [],
    partitions,
    retired: [],
    ...extra,
  };
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  const tables = new TableStore(new FolderObjectStore(lake));

  // trusted.orders: two partitions, of two commits; a killed build's version and a retired one lie beside them.
  const jan = await parquet('trusted', 'orders/_v/c000001-run-a/purchase_year=2017/part-0.parquet', `select 'o' || i as order_id, i as amount from range(3) t(i)`);
  const feb = await parquet('trusted', 'orders/_v/c000002-run-b/purchase_year=2018/part-0.parquet', `select 'p' || i as order_id, i * 10 as amount from range(2) t(i)`);
  await parquet('trusted', 'orders/_v/c000003-killed/purchase_year=2018/part-0.parquet', `select 'x' || i as order_id, i as amount from range(100) t(i)`);
  await parquet('trusted', 'orders/_v/c000001-run-a/purchase_year=2018/part-0.parquet', `select 'old' as order_id, 0 as amount`);
  await tables.commit(
    pointer('trusted', 'orders', 2, {
      '2017': { folder: 'orders/_v/c000001-run-a/purchase_year=2017', files: [jan], rows: 3, commitId: 'c000001-run-a' },
      '2018': { folder: 'orders/_v/c000002-run-b/purchase_year=2018', files: [feb], rows: 2, commitId: 'c000002-run-b' },
    }, {
      partitionBy: 'purchase_year',
      columns: [{ name: 'order_id', type: 'string' }, { name: 'amount', type: 'bigint' }],
      watermark: { ingestedAt: '2026-12-02T09:59:00.000Z', recentFiles: [] },
    }),
  );

  const scores = await parquet('refined', 'churn_scores/_v/c000001-run-a/part-0.parquet', `select 'c' || i as customer_id, i / 10 as score from range(4) t(i)`);
  await tables.commit(
    pointer('refined', 'churn_scores', 1, { '': { folder: 'churn_scores/_v/c000001-run-a', files: [scores], rows: 4, commitId: 'c000001-run-a' } }, {
      columns: [{ name: 'customer_id', type: 'string' }, { name: 'score', type: 'double' }],
    }),
  );

  // An empty table: no files, its schema from the pointer.
  await tables.commit(
    pointer('dataquality', 'quarantine/orders', 2, {}, {
      columns: [{ name: 'order_id', type: 'string' }, { name: 'reason', type: 'string' }, { name: 'amount', type: 'int' }],
    }),
  );

  // raw has no committed tables: a pointer there is not listed.
  await new FolderObjectStore(lake).write('raw', 'orders/_table.json', '{"not": "listed"}');
  // Runs, scratch and the like are not tables either.
  mkdirSync(join(lake, '_runs'), { recursive: true });
  writeFileSync(join(lake, '_runs', '_table.json'), '{}');
});

afterAll(() => instance?.closeSync());

// In this process, through the same main as bin/strata.mjs: a child process per case would cost more than the
// behaviour shows. The aligned table is also printed by a child process, as a user sees it.
const lakeCli = (args: string[]) => runStrataInProcess(['lake', ...args]);

describe('strata lake tables', () => {
  it('finds the committed tables by their pointers, named <layer>.<table>, quarantine/<t> as quarantine_<t>', async () => {
    const found = await committedTables(lake);
    expect(found.map((table) => table.name)).toEqual(['dataquality.quarantine_orders', 'refined.churn_scores', 'trusted.orders']);
  });

  it('prints an aligned table of version, watermark, rows, files, bytes, committed at', () => {
    const result = runStrata(['lake', 'tables', '--lake', lake]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^table\s+version\s+watermark\s+rows\s+files\s+bytes\s+committed at$/);
    expect(lines[1]).toMatch(/^-+( +-+){6}$/);
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/)[0])).toEqual(['dataquality.quarantine_orders', 'refined.churn_scores', 'trusted.orders']);
    expect(lines[4]).toMatch(/^trusted\.orders\s+2\s+2026-12-02T09:59:00\.000Z\s+5\s+2\s+[\d,]+\s+2026-12-02T10:00:00\.000Z$/);
    expect(lines[3]).toMatch(/^refined\.churn_scores\s+1\s+4\s+1\s+[\d,]+\s+2026-12-01T10:00:00\.000Z$/);
    // Columns line up: every row's committed-at starts where the header's does.
    const at = lines[0]!.indexOf('committed at');
    for (const line of lines.slice(2)) expect(line.indexOf('2026-12-0')).toBe(line.startsWith('trusted') ? line.indexOf('2026-12-02T09') : at);
  });

  it('prints JSON with --json', async () => {
    const result = await lakeCli(['tables', '--lake', lake, '--json']);
    expect(result.status, result.stderr).toBe(0);
    const tables = JSON.parse(result.stdout) as { table: string; version: number; watermark: string; rows: number; files: number; bytes: number; committedAt: string }[];
    const orders = tables.find((table) => table.table === 'trusted.orders')!;
    expect(orders).toMatchObject({ version: 2, watermark: '2026-12-02T09:59:00.000Z', rows: 5, files: 2, committedAt: '2026-12-02T10:00:00.000Z' });
    expect(orders.bytes).toBeGreaterThan(0);
    expect(tables.find((table) => table.table === 'dataquality.quarantine_orders')).toEqual({
      table: 'dataquality.quarantine_orders',
      version: 2,
      watermark: '',
      rows: 0,
      files: 0,
      bytes: 0,
      committedAt: '2026-12-02T10:00:00.000Z',
    });
  });

  it('says there is no lake, exit 2, for a missing or an empty folder', async () => {
    const missing = await lakeCli(['tables', '--lake', join(work, 'nowhere')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^no lake at \S*nowhere: run `strata run` first$/);
    mkdirSync(join(work, 'empty', 'trusted'), { recursive: true });
    const empty = await lakeCli(['query', '--lake', join(work, 'empty'), 'select 1']);
    expect(empty.status).toBe(2);
    expect(empty.stderr.trim()).toMatch(/^no lake at \S*empty: run `strata run` first$/);
  });
});

describe('strata lake query', () => {
  it('reads exactly the committed files of a table, partition values as text', async () => {
    const result = await lakeCli(['query', '--lake', lake, 'select purchase_year, typeof(purchase_year) as type, count(*) as orders, sum(amount) as amount from trusted.orders group by all order by 1']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'purchase_year  type     orders  amount',
      '-------------  -------  ------  ------',
      '2017           VARCHAR       3       3',
      '2018           VARCHAR       2      10',
      '(2 rows)',
    ]);
  });

  it('prints one JSON object per row with --json, and CSV with --csv', async () => {
    const json = await lakeCli(['query', '--lake', lake, '--json', 'select customer_id, score, 1::bigint as one, null as nothing from refined.churn_scores order by customer_id limit 2']);
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { customer_id: 'c0', score: 0, one: 1, nothing: null },
      { customer_id: 'c1', score: 0.1, one: 1, nothing: null },
    ]);
    const csv = await lakeCli(['query', '--lake', lake, '--csv', `select order_id, 'a,"b"' as text from trusted.orders order by order_id limit 2`]);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('order_id,text\no0,"a,""b"""\no1,"a,""b"""\n');
  });

  it('gives an empty table its pointer columns and types', async () => {
    const result = await lakeCli(['query', '--lake', lake, '--json', `select column_name, data_type from information_schema.columns where table_schema = 'dataquality' and table_name = 'quarantine_orders' order by ordinal_position`]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { column_name: 'order_id', data_type: 'VARCHAR' },
      { column_name: 'reason', data_type: 'VARCHAR' },
      { column_name: 'amount', data_type: 'INTEGER' },
    ]);
    const count = await lakeCli(['query', '--lake', lake, 'select count(*) as n from dataquality.quarantine_orders']);
    expect(count.stdout).toMatch(/^n\n-\n0\n\(1 row\)\n$/);
  });

  it('reports a SQL error as one line, exit 1, no stack', async () => {
    const result = await lakeCli(['query', '--lake', lake, 'select * from trusted.order']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^query failed: Catalog Error: Table with name order does not exist! Did you mean "orders"\?$/m);
    const syntax = await lakeCli(['query', '--lake', lake, 'selec 1']);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr.trim()).toBe('query failed: Parser Error: syntax error at or near "selec"');
  });

  it('refuses bad usage with exit 2 and the usage', async () => {
    for (const args of [[], ['tables', 'extra'], ['query'], ['query', '--lake', lake, '--json', '--csv', 'select 1'], ['drop'], ['tables', '--bogus']]) {
      const result = await lakeCli(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/Usage: strata lake tables/);
    }
    const help = await lakeCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/strata lake query \[--lake <folder>\] \[--json \| --csv\] "<select>"/);
  });
});

describe('the renderings', () => {
  it('aligns numbers right and text left; CSV quotes what needs it; errors lose their caret excerpt', async () => {
    expect(alignedTable({ columns: ['name', 'n'], rows: [['a', '1'], [null, '100']], numeric: [false, true] })).toEqual(['name    n', '----  ---', 'a       1', 'NULL  100']);
    expect(csvLines({ columns: ['a', 'b'], rows: [['x\ny', null]] })).toEqual(['a,b', '"x\ny",']);
    expect(oneLine(new Error('Catalog Error: Table with name x does not exist!\nDid you mean "y"?\n\nLINE 1: select * from x\n                      ^'))).toBe(
      'Catalog Error: Table with name x does not exist! Did you mean "y"?',
    );
  });
});
