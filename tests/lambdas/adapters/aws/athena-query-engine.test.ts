import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine, type AthenaTableCatalog } from '../../../../lambdas/adapters/aws/athena-query-engine.ts';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { commitReplace } from '../../../../lambdas/lake/commit-replace.ts';
import { TableStore } from '../../../../lambdas/lake/table-store.ts';
import { partitionFolder } from '../../../../pipelines/contract/lake-layout.ts';
import { NULL_PARTITION, type TablePointer } from '../../../../pipelines/contract/table-pointer.ts';

type Sent = { name: string; input: Record<string, unknown> };
type Result = { columns: string[]; rows: (string | null)[][] };

/**
 * Stands in for the Athena client: records each command and answers with
 * recorded response shapes; `results` answers a statement's rows. UNLOAD
 * writes a Parquet object where the statement says (one per partition value
 * its where clause names), as Athena would in S3.
 */
function fakeAthena(
  store: FolderObjectStore,
  options: { failWith?: string; pages?: { Rows: { Data: { VarCharValue?: string }[] }[]; NextToken?: string }[]; results?: (sql: string) => Result | undefined } = {},
) {
  const sent: Sent[] = [];
  const statementOf = new Map<string, string>();
  let page = 0;
  return {
    sent,
    client: {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command instanceof StartQueryExecutionCommand) {
          const id = `q${sent.length}`;
          const sql = String(command.input.QueryString);
          statementOf.set(id, sql);
          const unload = /^unload \(([\s\S]*)\) to 's3:\/\/([^/]+)\/(.*?)\/?' with \(.*?(?:partitioned_by = ARRAY\['(\w+)'\])?\)$/.exec(sql);
          if (unload) {
            const layer = ({ 'trusted-bucket': 'trusted', 'refined-bucket': 'refined', 'dq-bucket': 'dataquality' } as const)[unload[2]!]!;
            const [, body, , folder, column] = unload;
            if (!column) await store.write(layer, `${folder}/${id}_0.zstd.parquet`, 'parquet');
            else {
              const values: (string | null)[] = [...(/in \(([^)]*)\)/.exec(body!)?.[1] ?? '').matchAll(/'((?:[^']|'')*)'/g)].map((match) => match[1]!.replaceAll("''", "'"));
              if (/ is null/.test(body!)) values.push(null);
              for (const value of values) await store.write(layer, `${folder}/${partitionFolder(column, value)}/${id}_0.zstd.parquet`, 'parquet!');
            }
          }
          return { QueryExecutionId: id };
        }
        if (command instanceof GetQueryExecutionCommand) {
          return options.failWith
            ? { QueryExecution: { Status: { State: 'FAILED', StateChangeReason: options.failWith } } }
            : { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
        }
        if (command instanceof GetQueryResultsCommand) {
          const answer = options.results?.(statementOf.get(String(command.input.QueryExecutionId))!);
          if (answer) {
            const header = { Data: answer.columns.map((name) => ({ VarCharValue: name })) };
            const rows = answer.rows.map((row) => ({ Data: row.map((cell) => (cell === null ? {} : { VarCharValue: cell })) }));
            return { ResultSet: { ResultSetMetadata: { ColumnInfo: answer.columns.map((name) => ({ Name: name })) }, Rows: [header, ...rows] } };
          }
          const pages = options.pages ?? [{ Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '3' }] }] }];
          const current = pages[Math.min(page, pages.length - 1)]!;
          page += 1;
          return { ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n' }] }, Rows: current.Rows }, NextToken: current.NextToken };
        }
        throw new Error(`unexpected command ${command.constructor.name}`);
      },
    },
  };
}

const statements = (sent: Sent[]) => sent.filter((command) => command.name === 'StartQueryExecutionCommand').map((command) => String(command.input.QueryString));

describe('AthenaQueryEngine (Athena mocked, AWS not called)', () => {
  let root: string;
  let store: FolderObjectStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-athena-'));
    store = new FolderObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const engine = (athena: ReturnType<typeof fakeAthena>, catalog?: AthenaTableCatalog) =>
    new AthenaQueryEngine({
      client: athena.client as never,
      workgroup: 'strata-dev',
      databases: { raw: 'strata_dev_raw', trusted: 'strata_dev_trusted', refined: 'strata_dev_refined', dataquality: 'strata_dev_dataquality' },
      buckets: { raw: 'raw-bucket', trusted: 'trusted-bucket', refined: 'refined-bucket', dataquality: 'dq-bucket' },
      store,
      sessionId: 's1',
      pollIntervalMs: 0,
      catalog,
    });

  /** Records each publish, with whether the pointer was already written when it came. */
  const recordingCatalog = () => {
    const published: { pointer: TablePointer; previous: TablePointer | undefined; pointerWritten: boolean }[] = [];
    const catalog: AthenaTableCatalog = {
      publish: async (pointer, previous) => {
        const written = await new TableStore(store).read(pointer.layer, pointer.folder);
        published.push({ pointer, previous, pointerWritten: written?.commitId === pointer.commitId });
      },
    };
    return { catalog, published };
  };

  it('runs every statement in the platform workgroup and pages through results, skipping the header row once (AWS not called)', async () => {
    const athena = fakeAthena(store, {
      pages: [
        { Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '1' }] }], NextToken: 'next' },
        { Rows: [{ Data: [{ VarCharValue: '2' }] }] },
      ],
    });
    const rows = await engine(athena).query('select n from t');
    expect(rows).toEqual([{ n: '1' }, { n: '2' }]);
    expect(athena.sent.find((command) => command.name === 'StartQueryExecutionCommand')!.input).toMatchObject({ WorkGroup: 'strata-dev' });
  });

  it('fails a statement with the reason Athena gives (AWS not called)', async () => {
    await expect(engine(fakeAthena(store, { failWith: 'TABLE_NOT_FOUND: line 1:15' })).query('select 1')).rejects.toThrow(/failed: TABLE_NOT_FOUND: line 1:15/);
  });

  it('commits an unpartitioned table: CTAS once, count, UNLOAD into a new version folder, then the pointer, then the catalog (AWS not called)', async () => {
    const athena = fakeAthena(store, { results: (sql) => (sql.startsWith('select count(*) as n from') ? { columns: ['n'], rows: [['42']] } : undefined) });
    const { catalog, published } = recordingCatalog();
    const session = engine(athena, catalog);

    const written = await session.replace({ layer: 'refined', prefix: 'seller_summary' }, 'select 1 as x');

    const pointer = (await session.tables.read('refined', 'seller_summary'))!;
    expect(pointer.version).toBe(1);
    const versionFolder = `seller_summary/_v/${pointer.commitId}`;
    expect(pointer.partitions['']).toMatchObject({ folder: versionFolder, rows: 42, files: [{ key: expect.stringMatching(new RegExp(`^${versionFolder}/q\\d+_0\\.zstd\\.parquet$`)), bytes: 7 }] });
    expect(written).toEqual({ rows: 42, files: 1, bytes: 7 });
    const [ctas, count, unload] = statements(athena.sent);
    expect(ctas).toMatch(/^create table "strata_dev_dataquality"\."tmp_s1_write_seller_summary_1"\s+with \(format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3:\/\/dq-bucket\/_scratch\/tmp_s1_write_seller_summary_1\/'\)\s+as select 1 as x$/);
    expect(count).toBe('select count(*) as n from "strata_dev_dataquality"."tmp_s1_write_seller_summary_1"');
    expect(unload).toBe(`unload (select * from "strata_dev_dataquality"."tmp_s1_write_seller_summary_1") to 's3://refined-bucket/${versionFolder}/' with (format = 'PARQUET', compression = 'ZSTD')`);
    expect(published).toEqual([{ pointer, previous: undefined, pointerWritten: true }]);

    // A second commit writes a new folder; the first is retired (kept one commit longer), the pointer moves.
    await session.replace({ layer: 'refined', prefix: 'seller_summary' }, 'select 2 as x');
    const second = (await session.tables.read('refined', 'seller_summary'))!;
    expect(second.version).toBe(2);
    expect(second.retired).toEqual([versionFolder]);
    expect(published[1]).toMatchObject({ previous: pointer, pointerWritten: true });
  });

  it('unloads at most 100 partition values per UNLOAD, partition column last, and reports each value with its files (AWS not called)', async () => {
    const values = Array.from({ length: 130 }, (_, index) => `2017-${String(index).padStart(3, '0')}`);
    const athena = fakeAthena(store, {
      results: (sql) => {
        if (sql.startsWith('select cast("sale_month" as varchar) as value')) return { columns: ['value', 'n'], rows: [...values.map((value) => [value, '2']), [null, '1']] };
        if (sql.endsWith('limit 0')) return { columns: ['sale_month', 'seller_id', 'revenue'], rows: [] };
        return undefined;
      },
    });
    const session = engine(athena);

    const written = await session.writeFiles({ layer: 'refined', folder: 'seller_daily_sales/_v/c000001-r1', partitionBy: 'sale_month' }, 'select * from x');

    const unloads = statements(athena.sent).filter((sql) => sql.startsWith('unload'));
    expect(unloads).toHaveLength(2);
    const scratch = '"strata_dev_dataquality"."tmp_s1_write_seller_daily_sales_1"';
    expect(unloads[0]).toBe(
      `unload (select "seller_id", "revenue", "sale_month" from ${scratch} where cast("sale_month" as varchar) in (${values.slice(0, 100).map((value) => `'${value}'`).join(', ')})) ` +
        `to 's3://refined-bucket/seller_daily_sales/_v/c000001-r1/' with (format = 'PARQUET', compression = 'ZSTD', partitioned_by = ARRAY['sale_month'])`,
    );
    expect(unloads[1]).toContain(`where cast("sale_month" as varchar) in (${values.slice(100).map((value) => `'${value}'`).join(', ')}) or "sale_month" is null)`);
    expect(Object.keys(written)).toHaveLength(131);
    expect(written['2017-129']).toEqual({
      folder: 'seller_daily_sales/_v/c000001-r1/sale_month=2017-129',
      rows: 2,
      files: [{ key: expect.stringMatching(/^seller_daily_sales\/_v\/c000001-r1\/sale_month=2017-129\/q\d+_0\.zstd\.parquet$/), bytes: 8 }],
    });
    expect(written[NULL_PARTITION]).toMatchObject({ folder: 'seller_daily_sales/_v/c000001-r1/sale_month=__HIVE_DEFAULT_PARTITION__', rows: 1, files: [expect.anything()] });
  });

  it("sorts each file's rows when asked, in the UNLOAD's own select (a CTAS would drop the ORDER BY) (AWS not called)", async () => {
    const athena = fakeAthena(store, {
      results: (sql) => {
        if (sql.startsWith('select cast("sale_month" as varchar) as value')) return { columns: ['value', 'n'], rows: [['2017-01', '2']] };
        if (sql.endsWith('limit 0')) return { columns: ['sale_month', '_ingested_at'], rows: [] };
        return undefined;
      },
    });
    const session = engine(athena);
    await session.writeFiles({ layer: 'refined', folder: 'a/_v/c000001-r1', partitionBy: 'sale_month', sortBy: ['_ingested_at', '_record_number'] }, 'select * from x');
    await session.writeFiles({ layer: 'refined', folder: 'b/_v/c000001-r1', sortBy: ['_ingested_at'] }, 'select * from y');
    await session.writeFiles({ layer: 'refined', folder: 'c/_v/c000001-r1' }, 'select * from z');
    const unloads = statements(athena.sent).filter((sql) => sql.startsWith('unload'));
    expect(unloads[0]).toMatch(/ where cast\("sale_month" as varchar\) in \('2017-01'\) order by "_ingested_at", "_record_number"\) to 's3:\/\/refined-bucket\/a\/_v\/c000001-r1\/'/);
    expect(unloads[1]).toMatch(/^unload \(select \* from \S+ order by "_ingested_at"\) to 's3:\/\/refined-bucket\/b\//);
    expect(unloads[2]).toMatch(/^unload \(select \* from \S+\) to 's3:\/\/refined-bucket\/c\//);
    // The CTAS that materializes the rows carries no order.
    const materialized = statements(athena.sent).filter((sql) => sql.startsWith('create table'));
    expect(materialized).toHaveLength(3);
    expect(materialized.every((sql) => !/order by/i.test(sql))).toBe(true);
  });

  it('empties a version folder a retried build left before unloading into it (AWS not called)', async () => {
    await store.write('refined', 'churn/_v/c000001-r1/old.parquet', 'old');
    const athena = fakeAthena(store);
    const written = await engine(athena).writeFiles({ layer: 'refined', folder: 'churn/_v/c000001-r1' }, 'select 1 as a');
    expect(written['']!.files.map((file) => file.key)).toEqual([expect.stringMatching(/^churn\/_v\/c000001-r1\/q\d+_0\.zstd\.parquet$/)]);
  });

  it('resolves ref() to the Glue table of the committed folder when a statement runs (AWS not called)', async () => {
    const session = engine(fakeAthena(store));
    const tables = new TableStore(store);
    expect(session.relations.ref('trusted', 'orders')).toBe('⟦trusted|orders⟧');
    expect(() => session.relations.source('orders')).toThrow(/buildTrusted/);
    await expect(session.query(`select count(*) as n from ${session.relations.ref('trusted', 'orders')}`)).rejects.toThrow(/no committed version/);

    const athena = fakeAthena(store);
    const committing = engine(athena);
    await commitReplace(committing, tables, { layer: 'trusted', prefix: 'orders', partitionBy: 'purchase_month' }, undefined, { columns: [{ name: 'order_id', type: 'string' }] });
    await commitReplace(committing, tables, { layer: 'dataquality', prefix: 'quarantine/orders' }, undefined);
    await commitReplace(committing, tables, { layer: 'dataquality', prefix: 'results/run_id=r1' }, undefined);
    await committing.query(
      `select * from ${committing.relations.ref('trusted', 'orders')} o join ${committing.relations.ref('dataquality', 'quarantine/orders')} q on true join ${committing.relations.ref('dataquality', 'results/run_id=r1')} r on true`,
    );
    expect(statements(athena.sent).at(-1)).toBe(
      'select * from (select "order_id", "purchase_month" from "strata_dev_trusted"."orders") o join "strata_dev_dataquality"."quarantine_orders" q on true join "strata_dev_dataquality"."results" r on true',
    );
  });

  it("uses the catalog's Glue table names when it has them (AWS not called)", async () => {
    const athena = fakeAthena(store);
    const session = engine(athena, { publish: async () => undefined, glueTableOf: (layer, folder) => ({ database: `db_${layer}`, table: `t_${folder.replaceAll('/', '_')}` }) });
    await session.replace({ layer: 'dataquality', prefix: 'results/run_id=r1' }, 'select 1 as a');
    await session.query(`select * from ${session.relations.ref('dataquality', 'results/run_id=r1')}`);
    expect(statements(athena.sent).at(-1)).toBe('select * from "db_dataquality"."t_results"');
  });

  it('reads staged and rejects files through the declared raw tables, pruned by ingest date and narrowed by "$path" (AWS not called)', () => {
    const session = engine(fakeAthena(store));
    const columns = [{ name: 'order_id', type: 'string' }, { name: '_record_number', type: 'bigint' }];
    expect(session.filesRelation('raw', ['staged/orders/ingest_date=2026-11-21/a1-orders.parquet', 'staged/orders/ingest_date=2026-11-22/b2-orders.parquet'], columns)).toBe(
      `(select "order_id", "_record_number" from "strata_dev_raw"."orders" where "ingest_date" in ('2026-11-21', '2026-11-22') and "$path" in ` +
        `('s3://raw-bucket/staged/orders/ingest_date=2026-11-21/a1-orders.parquet', 's3://raw-bucket/staged/orders/ingest_date=2026-11-22/b2-orders.parquet'))`,
    );
    expect(session.filesRelation('raw', ['rejects/orders/ingest_date=2026-11-21/a1-orders.parquet'], columns)).toBe(
      `(select "order_id", "_record_number" from "strata_dev_raw"."orders_rejects" where "ingest_date" in ('2026-11-21') and "$path" in ('s3://raw-bucket/rejects/orders/ingest_date=2026-11-21/a1-orders.parquet'))`,
    );
    expect(session.filesRelation('raw', [], columns)).toBe('(select cast(null as varchar) as "order_id", cast(null as bigint) as "_record_number" where false)');
    expect(() => session.filesRelation('raw', ['orders/ingest_date=2026-11-21/a1-orders.csv'], columns)).toThrow(/neither a staged file/);
  });

  it('creates and drops scratch tables with backticks in Hive DDL and double quotes in Trino statements, objects removed at close (AWS not called)', async () => {
    const athena = fakeAthena(store);
    const session = engine(athena);
    const temporary = await session.createTemporary('checked_orders', 'select 1 as a');
    const loaded = await session.loadRows('scores', [{ name: 'seller_id', type: 'string' }, { name: 'score', type: 'double' }], [['a', 0.5]]);
    expect(temporary).toBe('"strata_dev_dataquality"."tmp_s1_checked_orders_1"');
    expect(loaded).toBe('"strata_dev_dataquality"."tmp_s1_scores_2"');
    await store.write('dataquality', '_scratch/tmp_s1_checked_orders_1/part-0.parquet', 'x');
    const [ctas, external] = statements(athena.sent);
    expect(ctas).toMatch(/^create table "strata_dev_dataquality"\."tmp_s1_checked_orders_1"/);
    expect(external).toMatch(/^create external table `strata_dev_dataquality`\.`tmp_s1_scores_2` \(`seller_id` string, `score` double\)/);
    expect(external).toContain("location 's3://dq-bucket/_scratch/tmp_s1_scores_2/'");

    await session.close();
    expect(statements(athena.sent).slice(-2)).toEqual([
      'drop table if exists `strata_dev_dataquality`.`tmp_s1_scores_2`',
      'drop table if exists `strata_dev_dataquality`.`tmp_s1_checked_orders_1`',
    ]);
    for (const sql of statements(athena.sent)) if (/^(create external|drop) table/.test(sql)) expect(sql).not.toContain('"');
    expect(await store.list('dataquality', '_scratch/')).toEqual([]);
  });
});
