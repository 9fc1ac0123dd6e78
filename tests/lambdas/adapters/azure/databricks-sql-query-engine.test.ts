import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Layer } from '../../../../config/schema.ts';
import { DatabricksSqlQueryEngine, type DatabricksLake } from '../../../../lambdas/adapters/azure/databricks-sql-query-engine.ts';
import { commitReplace } from '../../../../lambdas/lake/commit-replace.ts';
import { TableStore } from '../../../../lambdas/lake/table-store.ts';
import type { StoredObject } from '../../../../lambdas/ports/object-store.ts';
import { NULL_PARTITION } from '../../../../pipelines/contract/table-pointer.ts';
import { recorded, recordingCredential, replay, startReplayServer, type RecordedRequest, type ReplayAnswer, type ReplayServer } from './replay-server.ts';

const WAREHOUSE = '1a2b3c4d5e6f7a8b';
const ACCOUNT = 'stratadevlake';
const DFS = `${ACCOUNT}.dfs.core.windows.net`;

/** The lake in memory, with the recursive delete ADLS has; it records it, and every write. */
class MemoryLake implements DatabricksLake {
  readonly account = ACCOUNT;
  readonly objects = new Map<string, Uint8Array>();
  readonly operations: string[] = [];
  private path = (layer: Layer, key: string) => `${layer}/${key}`;
  async list(layer: Layer, prefix: string): Promise<StoredObject[]> {
    return [...this.objects]
      .filter(([path]) => path.startsWith(this.path(layer, prefix)))
      .map(([path, body]) => ({ key: path.slice(layer.length + 1), sizeBytes: body.byteLength }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async read(layer: Layer, key: string): Promise<Uint8Array> {
    const body = this.objects.get(this.path(layer, key));
    if (!body) throw new Error(`no ${layer}/${key}`);
    return body;
  }
  async exists(layer: Layer, key: string): Promise<boolean> {
    return this.objects.has(this.path(layer, key));
  }
  async create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean> {
    if (this.objects.has(this.path(layer, key))) return false;
    await this.write(layer, key, body);
    return true;
  }
  async write(layer: Layer, key: string, body: Uint8Array | string): Promise<void> {
    this.operations.push(`write ${layer}/${key}`);
    this.objects.set(this.path(layer, key), typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }
  async delete(layer: Layer, key: string): Promise<void> {
    this.objects.delete(this.path(layer, key));
  }
  async deleteDirectory(layer: Layer, path: string): Promise<void> {
    this.operations.push(`rmdir ${layer}/${path}`);
    for (const key of [...this.objects.keys()]) if (key.startsWith(`${this.path(layer, path)}/`)) this.objects.delete(key);
  }
}

type Columns = readonly { name: string; type_name: string }[];
/** Rows the replaying server serves at `/results/<statement id>`, as the workspace storage serves an external link. */
const externalRows = new Map<string, (string | null)[][]>();
let replayUrl = '';
const succeeded = (id: string, columns: Columns = [], rows: (string | null)[][] = []): ReplayAnswer => {
  externalRows.set(id, rows);
  return {
    status: 200,
    body: {
      statement_id: id,
      status: { state: 'SUCCEEDED' },
      manifest: { format: 'JSON_ARRAY', schema: { column_count: columns.length, columns: columns.map((column, position) => ({ ...column, position })) } },
      result: { external_links: [{ chunk_index: 0, row_offset: 0, row_count: rows.length, external_link: `${replayUrl}/results/${id}?sig=x` }] },
    },
  };
};

/**
 * Stands in for the warehouse: answers statements from `answer`, and for
 * INSERT OVERWRITE DIRECTORY writes a Parquet part file (and Spark's marker
 * files) where the statement says, as the warehouse would in the lake.
 */
function warehouse(lake: MemoryLake, answer: (statement: string, id: string) => ReplayAnswer | undefined = () => undefined) {
  let n = 0;
  return (request: RecordedRequest): ReplayAnswer => {
    if (request.method !== 'POST' || request.path !== '/api/2.0/sql/statements') return { status: 404, body: { error_code: 'NOT_FOUND', message: request.path } };
    const { statement } = JSON.parse(request.body.toString()) as { statement: string };
    const id = `stmt-${(n += 1)}`;
    const target = /^insert overwrite directory 'abfss:\/\/([a-z]+)@[^/]+\/(.*?)\/?'/.exec(statement);
    if (target) {
      lake.objects.set(`${target[1]}/${target[2]}/part-00000-${id}.c000.zstd.parquet`, new Uint8Array(100 + n));
      lake.objects.set(`${target[1]}/${target[2]}/_SUCCESS`, new Uint8Array());
    }
    return answer(statement, id) ?? succeeded(id);
  };
}

const statementsOf = (server: ReplayServer) => server.requests.filter((request) => request.method === 'POST').map((request) => (JSON.parse(request.body.toString()) as { statement: string }).statement);

describe('DatabricksSqlQueryEngine against a replaying SQL warehouse on 127.0.0.1', () => {
  let server: ReplayServer | undefined;
  let lake: MemoryLake;
  let credential: ReturnType<typeof recordingCredential>;
  beforeEach(() => {
    lake = new MemoryLake();
    credential = recordingCredential();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const engine = async (respond: (request: RecordedRequest) => ReplayAnswer | Promise<ReplayAnswer>, maxStatementMs?: number) => {
    server = await startReplayServer((request) => {
      const served = request.path.startsWith('/results/') ? externalRows.get(request.path.slice('/results/'.length)) : undefined;
      return served ? { status: 200, body: served } : respond(request);
    });
    replayUrl = server.url;
    return new DatabricksSqlQueryEngine({ host: server.url, warehouseId: WAREHOUSE, credential, lake, sessionId: 's1', pollIntervalMs: 0, maxStatementMs });
  };

  it('submits the statement to the pipelines warehouse, polls it and reads the result chunk by chunk through external links (Azure not called)', async () => {
    const succeededRecording = recorded<{ statement_id: string }>('databricks-statement-succeeded-external-links');
    const id = succeededRecording.response.body!.statement_id;
    // The recorded links point at the workspace's storage; here they point at the same loopback server.
    const local = (answer: ReplayAnswer): ReplayAnswer => ({ ...answer, body: JSON.parse(JSON.stringify(answer.body).replaceAll('https://dbstorageexample.blob.core.windows.net', server!.url)) });
    const chunkRows: Record<string, (string | null)[][]> = {
      chunk0: [
        ['3442f8959a84dea7ee197c632cb2df15', '12', '1520.40', '2017-02-01'],
        ['d1b65fc7debc3361ea86b5f14c68d2e2', null, null, null],
      ],
      chunk1: [['ce3ad9de960102d0677a81f5d0bb7b2d', '3', '89.90', '2018-07-15']],
    };
    const sql = await engine((request) => {
      if (request.method === 'POST') return replay(recorded('databricks-statement-pending'));
      if (request.path === `/api/2.0/sql/statements/${id}`) return local(replay(succeededRecording));
      if (request.path === `/api/2.0/sql/statements/${id}/result/chunks/1`) return local(replay(recorded('databricks-result-chunk-1-external-links')));
      const chunk = /_(chunk\d)$/.exec(request.path)?.[1];
      if (chunk && request.query.get('sig') === 'REDACTED') return { status: 200, body: chunkRows[chunk] };
      return { status: 404, body: { error_code: 'NOT_FOUND', message: request.path } };
    });

    const rows = await sql.query('select seller_id, orders, revenue, first_sale from sellers_summary');

    expect(rows).toEqual([
      { seller_id: '3442f8959a84dea7ee197c632cb2df15', orders: 12, revenue: 1520.4, first_sale: '2017-02-01' },
      { seller_id: 'd1b65fc7debc3361ea86b5f14c68d2e2', orders: null, revenue: null, first_sale: null },
      { seller_id: 'ce3ad9de960102d0677a81f5d0bb7b2d', orders: 3, revenue: 89.9, first_sale: '2018-07-15' },
    ]);
    const [submit, poll, link0, nextChunk, link1] = server!.requests;
    expect(server!.requests.map((request) => `${request.method} ${request.path.replace(/results_.*_(chunk\d)$/, '<$1>')}`)).toEqual([
      'POST /api/2.0/sql/statements',
      `GET /api/2.0/sql/statements/${id}`,
      'GET /jobs/1234567890123456/sql/2026-12-03/10/<chunk0>',
      `GET /api/2.0/sql/statements/${id}/result/chunks/1`,
      'GET /jobs/1234567890123456/sql/2026-12-03/10/<chunk1>',
    ]);
    expect(JSON.parse(submit!.body.toString())).toEqual({
      warehouse_id: WAREHOUSE,
      statement: 'select seller_id, orders, revenue, first_sale from sellers_summary',
      wait_timeout: '30s',
      on_wait_timeout: 'CONTINUE',
      disposition: 'EXTERNAL_LINKS',
      format: 'JSON_ARRAY',
    });
    for (const request of [submit, poll, nextChunk]) expect(request!.headers.authorization).toBe('Bearer token-for:2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
    // A presigned link carries its own credentials: the Databricks token must not travel to storage; the link's headers do.
    for (const request of [link0, link1]) {
      expect(request!.headers.authorization).toBeUndefined();
      expect(request!.headers['x-ms-version']).toBe('2021-08-06');
    }
  });

  it('fails with the link (without its signature) when a result chunk cannot be fetched, e.g. expired (Azure not called)', async () => {
    const sql = await engine((request) =>
      request.method === 'POST'
        ? { status: 200, body: { statement_id: 'x2', status: { state: 'SUCCEEDED' }, manifest: { schema: { columns: [{ name: 'n', type_name: 'LONG', position: 0 }] } }, result: { external_links: [{ external_link: `${server!.url}/expired/chunk0?sig=secret` }] } } }
        : { status: 403, body: 'AuthenticationFailed' },
    );
    const failure = sql.query('select 1 as n');
    await expect(failure).rejects.toThrow(`Databricks SQL: GET of a result chunk at ${server!.url}/expired/chunk0: HTTP 403`);
    await expect(failure).rejects.not.toThrow(/secret/);
  });

  it('keeps INLINE, with no result to read, for statements that are not queries: the write, then its count query by external links (Azure not called)', async () => {
    const sql = await engine(warehouse(lake));
    await sql.writeFiles({ layer: 'refined', folder: 'seller_daily_sales/_v/c1' }, 'select 1 as n');
    const submitted = server!.requests.filter((request) => request.method === 'POST').map((request) => JSON.parse(request.body.toString()) as { statement: string; disposition: string });
    expect(submitted.map((request) => `${request.disposition} ${request.statement.split(' ', 3).join(' ')}`)).toEqual(['INLINE insert overwrite directory', 'EXTERNAL_LINKS select count(*) as']);
  });

  it("surfaces a failed statement's error_code and message (Azure not called)", async () => {
    const failed = recorded<{ statement_id: string }>('databricks-statement-failed');
    const sql = await engine((request) => (request.method === 'POST' ? { status: 200, body: { statement_id: failed.response.body!.statement_id, status: { state: 'RUNNING' } } } : replay(failed)));
    const failure = sql.query('select prise from trusted_order_items');
    await expect(failure).rejects.toThrow(`Databricks SQL statement ${failed.response.body!.statement_id} failed on warehouse ${WAREHOUSE}: BAD_REQUEST: [UNRESOLVED_COLUMN.WITH_SUGGESTION]`);
    await expect(failure).rejects.toMatchObject({ name: 'DatabricksStatementError', errorCode: 'BAD_REQUEST' });
  });

  it('cancels a statement still running at its deadline and fails, so it cannot outlive the step (Azure not called)', async () => {
    const pending = recorded<{ statement_id: string }>('databricks-statement-pending');
    const id = pending.response.body!.statement_id;
    const sql = await engine((request) => (request.path.endsWith('/cancel') ? { status: 200, body: {} } : replay(pending)), 0);
    await expect(sql.query('select * from huge')).rejects.toThrow(`Databricks SQL statement ${id} still pending on warehouse ${WAREHOUSE} after 0 s: canceled`);
    expect(server!.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /api/2.0/sql/statements', `POST /api/2.0/sql/statements/${id}/cancel`]);
  });

  it('fails on a statement state the API does not document, instead of polling it forever (Azure not called)', async () => {
    const sql = await engine(() => ({ status: 200, body: { statement_id: 'x1', status: {} } }));
    await expect(sql.query('select 1')).rejects.toThrow('Databricks SQL statement x1: unexpected state undefined (expected PENDING, RUNNING or SUCCEEDED)');
  });

  it('surfaces a request the API refuses, with its error_code (Azure not called)', async () => {
    const sql = await engine(() => replay(recorded('databricks-invalid-warehouse')));
    await expect(sql.query('select 1')).rejects.toThrow('HTTP 400 INVALID_PARAMETER_VALUE: Warehouse 0000000000000000 does not exist');
  });

  const writes = (server: ReplayServer) => statementsOf(server).filter((statement) => statement.startsWith('insert overwrite directory'));

  it('names committed tables by token and refuses source(), which the trusted build supplies', async () => {
    const sql = await engine(warehouse(lake));
    expect(sql.relations.ref('trusted', 'orders')).toBe('⟦trusted|orders⟧');
    expect(() => sql.relations.source('orders')).toThrow(/buildTrusted/);
    expect(sql.dialect).toBe('spark');
    await expect(sql.query(`select count(*) from ${sql.relations.ref('trusted', 'orders')}`)).rejects.toThrow(/no committed version/);
    expect(server!.requests).toHaveLength(0);
  });

  it('commits a partitioned table: one folder per value in a new version folder, then the pointer; ref then reads those folders (Azure not called)', async () => {
    const sql = await engine(
      warehouse(lake, (statement, id) =>
        statement.startsWith('select cast(`sale_month` as string) as value')
          ? succeeded(id, [{ name: 'value', type_name: 'STRING' }, { name: 'n', type_name: 'LONG' }], [['2017-01', '3'], ['2017/02', '2'], [null, '1']])
          : undefined,
      ),
    );

    const written = await sql.replace({ layer: 'refined', prefix: 'seller_daily_sales', partitionBy: 'sale_month' }, 'select * from x');

    const pointer = (await new TableStore(lake).read('refined', 'seller_daily_sales'))!;
    const version = `seller_daily_sales/_v/${pointer.commitId}`;
    const parts = [...lake.objects.keys()].filter((key) => key.startsWith('refined/') && key.endsWith('.parquet'));
    expect(parts.map((key) => key.replace(/part-.*/, 'part')).sort()).toEqual([
      `refined/${version}/sale_month=2017%2F02/part`,
      `refined/${version}/sale_month=2017-01/part`,
      `refined/${version}/sale_month=__HIVE_DEFAULT_PARTITION__/part`,
    ]);
    expect(written).toEqual({ rows: 6, files: 3, bytes: parts.reduce((sum, key) => sum + lake.objects.get(key)!.byteLength, 0) });
    expect(Object.keys(pointer.partitions)).toEqual(['2017-01', '2017/02', NULL_PARTITION]);
    expect(pointer.partitions['2017/02']).toMatchObject({ folder: `${version}/sale_month=2017%2F02`, rows: 2, files: [{ key: expect.stringMatching(/part-.*\.parquet$/) }] });
    // The files first, the pointer last: the pointer write is the commit.
    expect(lake.operations.filter((operation) => operation.startsWith('write')).at(-1)).toBe('write refined/seller_daily_sales/_table.json');

    const statements = statementsOf(server!);
    expect(statements[0]).toMatch(/^insert overwrite directory 'abfss:\/\/dataquality@[^']+\/_scratch\/s1\/write_seller_daily_sales_\d+\/' using parquet options \('compression' = 'zstd'\) select \* from x$/);
    expect(writes(server!).slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^insert overwrite directory 'abfss://refined@${DFS}/${version}/sale_month=2017-01/' .* select \\* except \\(\`sale_month\`\\) from .* where cast\\(\`sale_month\` as string\\) = '2017-01'$`)),
      expect.stringMatching(new RegExp(`/${version}/sale_month=2017%2F02/' .* where cast\\(\`sale_month\` as string\\) = '2017/02'$`)),
      expect.stringMatching(new RegExp(`/${version}/sale_month=__HIVE_DEFAULT_PARTITION__/' .* where \`sale_month\` is null$`)),
    ]);
    for (const statement of statements) expect(statement).not.toMatch(/varchar/i);

    await sql.query(`select * from ${sql.relations.ref('refined', 'seller_daily_sales')} s`);
    expect(statementsOf(server!).at(-1)).toBe(
      `select * from (select *, '2017-01' as \`sale_month\` from parquet.\`abfss://refined@${DFS}/${version}/sale_month=2017-01/\`\n` +
        `union all\nselect *, '2017/02' as \`sale_month\` from parquet.\`abfss://refined@${DFS}/${version}/sale_month=2017%2F02/\`\n` +
        `union all\nselect *, cast(null as string) as \`sale_month\` from parquet.\`abfss://refined@${DFS}/${version}/sale_month=__HIVE_DEFAULT_PARTITION__/\`) s`,
    );
  });

  it('commits an unpartitioned table into a new version folder and counts the rows it wrote; no rename swap (Azure not called)', async () => {
    const sql = await engine(
      warehouse(lake, (statement, id) => (statement.startsWith('select count(*) as n from') ? succeeded(id, [{ name: 'n', type_name: 'LONG' }], [['42']]) : undefined)),
    );
    const written = await sql.replace({ layer: 'refined', prefix: 'churn_watchlist/dt_score=2026-11-22' }, 'select 1 as a');
    expect(written.rows).toBe(42);
    expect(written.files).toBe(1);
    const pointer = (await new TableStore(lake).read('refined', 'churn_watchlist/dt_score=2026-11-22'))!;
    const version = `churn_watchlist/dt_score=2026-11-22/_v/${pointer.commitId}`;
    expect(statementsOf(server!)).toEqual([
      `insert overwrite directory 'abfss://refined@${DFS}/${version}/' using parquet options ('compression' = 'zstd') select 1 as a`,
      `select count(*) as n from parquet.\`abfss://refined@${DFS}/${version}/\``,
    ]);
    expect(pointer.partitions['']).toMatchObject({ folder: version, rows: 42, files: [{ key: expect.stringMatching(new RegExp(`^${version}/part-.*\\.parquet$`)) }] });
    expect(lake.operations.filter((operation) => !operation.startsWith('write'))).toEqual([]);
  });

  it('sorts the rows of each file it writes when asked, in the select that writes them (Azure not called)', async () => {
    const sql = await engine(
      warehouse(lake, (statement, id) =>
        statement.startsWith('select cast(`sale_month` as string) as value')
          ? succeeded(id, [{ name: 'value', type_name: 'STRING' }, { name: 'n', type_name: 'LONG' }], [['2017-01', '3']])
          : statement.startsWith('select count(*) as n from')
            ? succeeded(id, [{ name: 'n', type_name: 'LONG' }], [['1']])
            : undefined,
      ),
    );
    await sql.writeFiles({ layer: 'refined', folder: 'a/_v/c000001-r1', partitionBy: 'sale_month', sortBy: ['_ingested_at', '_record_number'] }, 'select * from x');
    await sql.writeFiles({ layer: 'refined', folder: 'b/_v/c000001-r1', sortBy: ['_ingested_at'] }, 'select * from y');
    await sql.writeFiles({ layer: 'refined', folder: 'c/_v/c000001-r1' }, 'select * from z');
    const inserts = writes(server!);
    expect(inserts.find((statement) => statement.includes('/a/_v/c000001-r1/sale_month=2017-01/'))).toMatch(/ where cast\(`sale_month` as string\) = '2017-01' order by `_ingested_at`, `_record_number`$/);
    expect(inserts.find((statement) => statement.includes('/b/_v/'))).toMatch(/ select \* from \(select \* from y\) w order by `_ingested_at`$/);
    // Not asked: the select as given.
    expect(inserts.find((statement) => statement.includes('/c/_v/'))).toMatch(/ select \* from z$/);
  });

  it('reads a committed table with no partitions as an empty relation typed in Spark types, never varchar (Azure not called)', async () => {
    const sql = await engine(warehouse(lake));
    await commitReplace(sql, sql.tables, { layer: 'dataquality', prefix: 'quarantine/orders', partitionBy: 'quarantine_date' }, undefined, {
      columns: [{ name: 'order_id', type: 'string' }, { name: '_record_number', type: 'bigint' }],
    });
    await sql.query(`select count(*) as n from ${sql.relations.ref('dataquality', 'quarantine/orders')}`);
    expect(statementsOf(server!)).toEqual(['select count(*) as n from (select cast(null as string) as `order_id`, cast(null as bigint) as `_record_number`, cast(null as string) as `quarantine_date` where false)']);
  });

  it("reads a committed table's columns by name when its pointer lists them, the partition column from the folder (Azure not called)", async () => {
    const sql = await engine(
      warehouse(lake, (statement, id) =>
        statement.startsWith('select cast(`quarantine_date` as string) as value') ? succeeded(id, [{ name: 'value', type_name: 'STRING' }, { name: 'n', type_name: 'LONG' }], [['2026-11-22', '4']]) : undefined,
      ),
    );
    const { pointer } = await commitReplace(sql, sql.tables, { layer: 'dataquality', prefix: 'quarantine/orders', partitionBy: 'quarantine_date' }, 'select * from q', {
      columns: [{ name: 'order_id', type: 'string' }],
    });
    await sql.query(`select order_id from ${sql.relations.ref('dataquality', 'quarantine/orders')}`);
    expect(statementsOf(server!).at(-1)).toBe(
      `select order_id from (select \`order_id\`, '2026-11-22' as \`quarantine_date\` from parquet.\`abfss://dataquality@${DFS}/quarantine/orders/_v/${pointer.commitId}/quarantine_date=2026-11-22/\`)`,
    );
  });

  it('reads staged files by abfss path with explicit columns; no files: typed nulls', async () => {
    const sql = await engine(warehouse(lake));
    const columns = [{ name: 'order_id', type: 'string' }, { name: '_record_number', type: 'bigint' }];
    expect(sql.filesRelation('raw', ['staged/orders/ingest_date=2026-11-21/a1-orders.parquet', 'staged/orders/ingest_date=2026-11-22/b2-orders.parquet'], columns)).toBe(
      `(select \`order_id\`, \`_record_number\` from parquet.\`abfss://raw@${DFS}/staged/orders/ingest_date=2026-11-21/a1-orders.parquet\`\n` +
        `union all\nselect \`order_id\`, \`_record_number\` from parquet.\`abfss://raw@${DFS}/staged/orders/ingest_date=2026-11-22/b2-orders.parquet\`)`,
    );
    expect(sql.filesRelation('raw', [], columns)).toBe('(select cast(null as string) as `order_id`, cast(null as bigint) as `_record_number` where false)');
  });

  it('loads rows as JSON lines read back with an explicit schema, and drops the session scratch at close (Azure not called)', async () => {
    const sql = await engine(warehouse(lake));
    const relation = await sql.loadRows('scores', [{ name: 'seller_id', type: 'string' }, { name: 'score', type: 'double' }, { name: 'dt', type: 'date' }], [
      ['a', 0.25, '2026-11-01'],
      ['b', Number.NaN, null],
    ]);
    const key = [...lake.objects.keys()].find((path) => path.endsWith('rows.json'))!;
    expect(key).toMatch(/^dataquality\/_scratch\/s1\/scores_\d+\/rows\.json$/);
    expect(new TextDecoder().decode(lake.objects.get(key)).split('\n')).toEqual(['{"seller_id":"a","score":0.25,"dt":"2026-11-01"}', '{"seller_id":"b","score":null,"dt":null}', '']);
    expect(relation).toBe(`read_files('abfss://dataquality@${DFS}/${key.slice('dataquality/'.length)}', format => 'json', schema => '\`seller_id\` STRING, \`score\` DOUBLE, \`dt\` DATE', dateFormat => 'yyyy-MM-dd')`);

    await sql.close();
    expect(lake.operations.at(-1)).toBe('rmdir dataquality/_scratch/s1');
    expect([...lake.objects.keys()].filter((path) => path.startsWith('dataquality/_scratch/'))).toEqual([]);
  });
});
