import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine } from '../../../../lambdas/adapters/aws/athena-query-engine.ts';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { orders } from '../../../../pipelines/datasets/olist.ts';

type Sent = { name: string; input: Record<string, unknown> };

/** Stands in for the Athena client: records each command and answers with recorded response shapes. */
function fakeAthena(options: { failWith?: string; pages?: { Rows: { Data: { VarCharValue?: string }[] }[]; NextToken?: string }[] } = {}) {
  const sent: Sent[] = [];
  let page = 0;
  return {
    sent,
    client: {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: `q${sent.length}` };
        if (command instanceof GetQueryExecutionCommand) {
          return options.failWith
            ? { QueryExecution: { Status: { State: 'FAILED', StateChangeReason: options.failWith } } }
            : { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
        }
        if (command instanceof GetQueryResultsCommand) {
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

describe('AthenaQueryEngine (Athena mocked, not called)', () => {
  let root: string;
  let store: FolderObjectStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-athena-'));
    store = new FolderObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const engine = (athena: ReturnType<typeof fakeAthena>) =>
    new AthenaQueryEngine({
      client: athena.client as never,
      workgroup: 'strata-dev',
      databases: { raw: 'strata_dev_raw', trusted: 'strata_dev_trusted', refined: 'strata_dev_refined', dataquality: 'strata_dev_dataquality' },
      buckets: { raw: 'raw-bucket', trusted: 'trusted-bucket', refined: 'refined-bucket', dataquality: 'dq-bucket' },
      store,
      sessionId: 's1',
      pollIntervalMs: 0,
    });

  it('runs every statement in the platform workgroup and pages through results, skipping the header row once', async () => {
    const athena = fakeAthena({
      pages: [
        { Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '1' }] }], NextToken: 'next' },
        { Rows: [{ Data: [{ VarCharValue: '2' }] }] },
      ],
    });
    const rows = await engine(athena).query('select n from t');
    expect(rows).toEqual([{ n: '1' }, { n: '2' }]);
    expect(athena.sent.find((command) => command.name === 'StartQueryExecutionCommand')!.input).toMatchObject({ WorkGroup: 'strata-dev' });
  });

  it('fails a statement with the reason Athena gives', async () => {
    await expect(engine(fakeAthena({ failWith: 'TABLE_NOT_FOUND: line 1:15' })).query('select 1')).rejects.toThrow(/failed: TABLE_NOT_FOUND: line 1:15/);
  });

  it('stages raw in a scratch table of the dataquality database, in ingest order, and drops it with its objects at close', async () => {
    await store.write('dataquality', '_scratch/tmp_s1_staged_orders/part-0.parquet', 'x');
    const athena = fakeAthena();
    const session = engine(athena);
    const staged = await session.stageRaw(orders);
    expect(staged.relation).toBe('"strata_dev_dataquality"."tmp_s1_staged_orders"');
    expect(staged.rowsRead).toBe(3);
    const [ctas] = statements(athena.sent);
    expect(ctas).toMatch(/create table "strata_dev_dataquality"\."tmp_s1_staged_orders"/);
    expect(ctas).toMatch(/external_location = 's3:\/\/dq-bucket\/_scratch\/tmp_s1_staged_orders\/'/);
    expect(ctas).toMatch(/row_number\(\) over \(order by "\$path"\) as _row_id/);
    expect(ctas).toMatch(/from "strata_dev_raw"\."orders"/);
    await session.close();
    expect(statements(athena.sent).at(-1)).toBe('drop table if exists "strata_dev_dataquality"."tmp_s1_staged_orders"');
    expect(await store.list('dataquality', '_scratch/')).toEqual([]);
  });

  it('replaces a layer table by clearing its prefix and unloading ZSTD Parquet into it, partitioned as asked', async () => {
    await store.write('trusted', 'orders/purchase_month=2017-01/old.parquet', 'old');
    const athena = fakeAthena();
    const written = await engine(athena).replace({ layer: 'trusted', prefix: 'orders', partitionBy: 'purchase_month' }, 'select 1 as x');
    expect(await store.list('trusted', 'orders/')).toEqual([]);
    expect(statements(athena.sent)[0]).toBe(
      "unload (select 1 as x) to 's3://trusted-bucket/orders/' with (format = 'PARQUET', compression = 'ZSTD', partitioned_by = ARRAY['purchase_month'])",
    );
    expect(written.rows).toBe(3);
  });

  it('names quarantine tables quarantine_<table> in the dataquality database', () => {
    expect(engine(fakeAthena()).relations.ref('dataquality', 'quarantine/orders')).toBe('"strata_dev_dataquality"."quarantine_orders"');
    expect(engine(fakeAthena()).relations.ref('trusted', 'orders')).toBe('"strata_dev_trusted"."orders"');
  });
});
