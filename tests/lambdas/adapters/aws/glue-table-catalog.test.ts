import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetPartitionsCommand,
  GlueClient,
  type Column,
  type Partition,
} from '@aws-sdk/client-glue';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LAYERS, type Layer } from '../../../../config/schema.ts';
import {
  COMMIT_PARAMETER,
  GLUE_BATCH_LIMITS,
  GlueCatalogError,
  GlueTableCatalog,
  UNPARTITIONED_VERSION_KEY,
} from '../../../../lambdas/adapters/aws/glue-table-catalog.ts';
import { commitIdOf, nextPointer, partitionVersionFolder, WHOLE_TABLE, type CommittedPartition, type TablePointer } from '../../../../pipelines/contract/table-pointer.ts';
import { useMotoServer } from '../../../support/moto-server.ts';

const moto = useMotoServer();

const databases = Object.fromEntries(LAYERS.map((layer) => [layer, `strata_test_${layer}`])) as Record<Layer, string>;
const buckets = Object.fromEntries(LAYERS.map((layer) => [layer, `strata-test-${layer}-bucket`])) as Record<Layer, string>;

const PARQUET = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
  Compressed: true,
};

let client: GlueClient;
/** Every command the catalog sent, by name. */
let sent: string[];
let catalog: GlueTableCatalog;

async function declareTable(layer: Layer, table: string, columns: Column[], partitionKeys: Column[]): Promise<void> {
  await client.send(new DeleteTableCommand({ DatabaseName: databases[layer], Name: table })).catch(() => undefined);
  await client.send(
    new CreateTableCommand({
      DatabaseName: databases[layer],
      TableInput: {
        Name: table,
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: partitionKeys,
        Parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD' },
        StorageDescriptor: { ...PARQUET, Columns: columns, Location: `s3://${buckets[layer]}/${table}/` },
      },
    }),
  );
}

async function partitionsOf(layer: Layer, table: string): Promise<Partition[]> {
  const found: Partition[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetPartitionsCommand({ DatabaseName: databases[layer], TableName: table, NextToken: token }));
    found.push(...(page.Partitions ?? []));
    token = page.NextToken;
  } while (token);
  return found;
}

/** value -> location, as Glue holds them. */
async function locationsOf(layer: Layer, table: string): Promise<Record<string, string>> {
  return Object.fromEntries((await partitionsOf(layer, table)).map((partition) => [partition.Values!.join('/'), partition.StorageDescriptor!.Location!]));
}

/** The pointer a commit of `values` (partition value -> rows) makes over `previous`. */
function commit(
  previous: TablePointer | undefined,
  table: { layer: Layer; folder: string; partitionBy?: string },
  written: readonly string[],
  options: { replaceAll?: boolean } = {},
): TablePointer {
  const version = (previous?.version ?? 0) + 1;
  const commitId = commitIdOf(version, `run-${version}`);
  const partitions: Record<string, CommittedPartition> = {};
  for (const value of written) {
    const folder = partitionVersionFolder(table.folder, commitId, table.partitionBy, value);
    partitions[value] = { folder, files: [{ key: `${folder}/part-0.parquet`, bytes: 100 }], rows: 10, commitId };
  }
  return nextPointer(previous, {
    ...table,
    commitId,
    version,
    committedAt: `2026-01-0${Math.min(version, 9)}T00:00:00.000Z`,
    columns: [{ name: 'order_id', type: 'string' }],
    written: partitions,
    replaceAll: options.replaceAll ?? false,
  });
}

const url = (layer: Layer, folder: string) => `s3://${buckets[layer]}/${folder}/`;

beforeAll(async () => {
  const real = new GlueClient(moto.clientConfig());
  client = real;
  sent = [];
  // The real client, every command recorded on its way. moto does not
  // enforce Glue's batch limits (it took 101 creates and 26 deletes at once):
  // they are checked here.
  const recording: Pick<GlueClient, 'send'> = {
    send: ((command: { constructor: { name: string }; input: Record<string, unknown[] | undefined> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push(name);
      const entries = { BatchCreatePartition: command.input.PartitionInputList, BatchUpdatePartition: command.input.Entries, BatchDeletePartition: command.input.PartitionsToDelete }[name];
      const limit = { BatchCreatePartition: GLUE_BATCH_LIMITS.create, BatchUpdatePartition: GLUE_BATCH_LIMITS.update, BatchDeletePartition: GLUE_BATCH_LIMITS.delete }[name];
      if (entries && limit !== undefined && (entries.length > limit || entries.length === 0)) throw new Error(`${name} with ${entries.length} entries: Glue takes 1 to ${limit}`);
      return real.send(command as never);
    }) as GlueClient['send'],
  };
  catalog = new GlueTableCatalog({ client: recording, databases, buckets });
  for (const layer of LAYERS) await client.send(new CreateDatabaseCommand({ DatabaseInput: { Name: databases[layer] } }));
});

beforeEach(() => {
  sent.length = 0;
});

describe('GlueTableCatalog', () => {
  it('names the Glue table of a folder: the layer database, / as _', () => {
    expect(catalog.glueTableOf('trusted', 'orders')).toEqual({ database: 'strata_test_trusted', table: 'orders' });
    expect(catalog.glueTableOf('dataquality', 'quarantine/orders')).toEqual({ database: 'strata_test_dataquality', table: 'quarantine_orders' });
    expect(catalog.glueTableOf('dataquality', 'results')).toEqual({ database: 'strata_test_dataquality', table: 'results' });
    expect(catalog.glueTableOf('refined', 'seller_churn_scores/')).toEqual({ database: 'strata_test_refined', table: 'seller_churn_scores' });
    expect(() => catalog.glueTableOf('trusted', 'orders/_v/c000001-x')).toThrow(GlueCatalogError);
    expect(() => catalog.glueTableOf('trusted', '')).toThrow(GlueCatalogError);
  });

  describe('a partitioned table', () => {
    const orders = { layer: 'trusted' as const, folder: 'orders', partitionBy: 'purchase_month' };
    const columns = [
      { Name: 'order_id', Type: 'string' },
      { Name: 'order_purchase_timestamp', Type: 'timestamp' },
      { Name: '_record_number', Type: 'bigint' },
    ];
    beforeAll(async () => {
      await declareTable('trusted', 'orders', columns, [{ Name: 'purchase_month', Type: 'string' }]);
    });

    let first: TablePointer;
    let second: TablePointer;

    it('registers every partition of the first commit at its version folder, with the table\'s storage descriptor', async () => {
      first = commit(undefined, orders, ['2017-01', '2017-02', '2017-03']);
      await catalog.publish(first, undefined);
      expect(await locationsOf('trusted', 'orders')).toEqual({
        '2017-01': url('trusted', first.partitions['2017-01']!.folder),
        '2017-02': url('trusted', first.partitions['2017-02']!.folder),
        '2017-03': url('trusted', first.partitions['2017-03']!.folder),
      });
      expect(first.partitions['2017-01']!.folder).toBe('orders/_v/c000001-run-1/purchase_month=2017-01');
      const [partition] = await partitionsOf('trusted', 'orders');
      expect(partition!.StorageDescriptor).toMatchObject({ ...PARQUET, Columns: columns });
      expect(partition!.Parameters).toMatchObject({ [COMMIT_PARAMETER]: 'c000001-run-1' });
      expect(sent).toEqual(['GetTable', 'GetPartitions', 'BatchCreatePartition']);
    });

    it('on the next commit, repoints the partitions it rewrote, adds the new, drops the emptied, and leaves the rest', async () => {
      // 2017-02 rewritten, 2017-04 new, 2017-03 emptied (a rewrite with no rows drops it), 2017-01 untouched.
      const version = first.version + 1;
      const commitId = commitIdOf(version, `run-${version}`);
      const written = (value: string, rows: number): CommittedPartition => {
        const folder = partitionVersionFolder('orders', commitId, 'purchase_month', value);
        return { folder, files: rows > 0 ? [{ key: `${folder}/part-0.parquet`, bytes: 10 }] : [], rows, commitId };
      };
      second = nextPointer(first, {
        ...orders,
        commitId,
        version,
        committedAt: '2026-01-02T00:00:00.000Z',
        columns: first.columns,
        written: { '2017-02': written('2017-02', 5), '2017-03': written('2017-03', 0), '2017-04': written('2017-04', 7) },
        replaceAll: false,
      });
      expect(Object.keys(second.partitions)).toEqual(['2017-01', '2017-02', '2017-04']);
      await catalog.publish(second, first);
      expect(await locationsOf('trusted', 'orders')).toEqual({
        '2017-01': url('trusted', 'orders/_v/c000001-run-1/purchase_month=2017-01'),
        '2017-02': url('trusted', 'orders/_v/c000002-run-2/purchase_month=2017-02'),
        '2017-04': url('trusted', 'orders/_v/c000002-run-2/purchase_month=2017-04'),
      });
      const parameters = Object.fromEntries((await partitionsOf('trusted', 'orders')).map((partition) => [partition.Values![0], partition.Parameters?.[COMMIT_PARAMETER]]));
      expect(parameters).toEqual({ '2017-01': 'c000001-run-1', '2017-02': 'c000002-run-2', '2017-04': 'c000002-run-2' });
      expect(sent).toEqual(['GetTable', 'GetPartitions', 'BatchCreatePartition', 'BatchUpdatePartition', 'BatchDeletePartition']);
    });

    it('changes nothing when the catalog already matches the pointer (a retried publish)', async () => {
      await catalog.publish(second, first);
      expect(sent).toEqual(['GetTable', 'GetPartitions']);
    });

    it('completes a publish that failed halfway: what Glue holds is read, not assumed from the previous pointer', async () => {
      // As if the publish of `second` had never happened: Glue holds the first commit's partitions.
      await declareTable('trusted', 'orders', columns, [{ Name: 'purchase_month', Type: 'string' }]);
      await catalog.publish(first, undefined);
      await catalog.publish(second, first);
      expect(Object.keys(await locationsOf('trusted', 'orders')).sort()).toEqual(['2017-01', '2017-02', '2017-04']);
      expect((await locationsOf('trusted', 'orders'))['2017-02']).toBe(url('trusted', second.partitions['2017-02']!.folder));
    });

    it('refuses an older pointer, or one of another table', async () => {
      await expect(catalog.publish(first, second)).rejects.toThrow(/not newer than the previous one/);
      await expect(catalog.publish(second, { ...first, folder: 'customers' })).rejects.toThrow(/previous pointer is of trusted\/customers/);
    });

    it('refuses a pointer partitioned by another column than the table\'s', async () => {
      const byState = commit(undefined, { layer: 'trusted', folder: 'orders', partitionBy: 'state' }, ['SP']);
      await expect(catalog.publish(byState, undefined)).rejects.toThrow(/partition keys \[purchase_month\]; a partitioned by state table needs exactly \[state\]/);
    });
  });

  describe('more partitions than one batch holds', () => {
    const table = { layer: 'refined' as const, folder: 'daily_sales', partitionBy: 'dt' };
    const days = Array.from({ length: 230 }, (_, index) => new Date(Date.UTC(2017, 0, 1 + index)).toISOString().slice(0, 10));
    beforeAll(async () => {
      await declareTable('refined', 'daily_sales', [{ Name: 'amount', Type: 'double' }], [{ Name: 'dt', Type: 'string' }]);
    });

    it('creates, updates and deletes them in chunks of at most 100, 100 and 25', async () => {
      const first = commit(undefined, table, days);
      await catalog.publish(first, undefined);
      expect(Object.keys(await locationsOf('refined', 'daily_sales'))).toHaveLength(230);
      expect(sent.filter((command) => command === 'BatchCreatePartition')).toHaveLength(Math.ceil(230 / GLUE_BATCH_LIMITS.create));

      sent.length = 0;
      // A full rebuild of 120 days: 120 repointed, 110 dropped.
      const rebuilt = commit(first, table, days.slice(0, 120), { replaceAll: true });
      await catalog.publish(rebuilt, first);
      const locations = await locationsOf('refined', 'daily_sales');
      expect(Object.keys(locations).sort()).toEqual(days.slice(0, 120));
      for (const day of days.slice(0, 120)) expect(locations[day]).toBe(url('refined', `daily_sales/_v/c000002-run-2/dt=${day}`));
      expect(sent.filter((command) => command === 'BatchUpdatePartition')).toHaveLength(Math.ceil(120 / GLUE_BATCH_LIMITS.update));
      expect(sent.filter((command) => command === 'BatchDeletePartition')).toHaveLength(Math.ceil(110 / GLUE_BATCH_LIMITS.delete));
      expect(sent.filter((command) => command === 'GetPartitions').length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('an unpartitioned table', () => {
    const sellers = { layer: 'trusted' as const, folder: 'sellers' };
    beforeAll(async () => {
      await declareTable('trusted', 'sellers', [{ Name: 'seller_id', Type: 'string' }], [{ Name: UNPARTITIONED_VERSION_KEY, Type: 'string' }]);
    });

    it('has one strata_version=current partition at its version folder; each commit repoints it (the commit id in its parameters)', async () => {
      const first = commit(undefined, sellers, [WHOLE_TABLE]);
      await catalog.publish(first, undefined);
      expect(await locationsOf('trusted', 'sellers')).toEqual({ current: url('trusted', 'sellers/_v/c000001-run-1') });

      const second = commit(first, sellers, [WHOLE_TABLE]);
      await catalog.publish(second, first);
      expect(await locationsOf('trusted', 'sellers')).toEqual({ current: url('trusted', 'sellers/_v/c000002-run-2') });
      // One atomic update of the same partition: no moment where both versions or neither are listed.
      expect(sent.slice(-2)).toEqual(['GetPartitions', 'BatchUpdatePartition']);
      expect(sent).not.toContain('BatchDeletePartition');
    });

    it('refuses a table declared without the strata_version key', async () => {
      await declareTable('trusted', 'customers', [{ Name: 'customer_id', Type: 'string' }], []);
      const pointer = commit(undefined, { layer: 'trusted', folder: 'customers' }, [WHOLE_TABLE]);
      await expect(catalog.publish(pointer, undefined)).rejects.toThrow(/declared with partition keys \[\]; a unpartitioned table needs exactly \[strata_version\]/);
    });
  });

  it('publishes a quarantine table into the dataquality database as quarantine_<table>', async () => {
    await declareTable('dataquality', 'quarantine_orders', [{ Name: 'reason', Type: 'string' }], [{ Name: 'quarantine_date', Type: 'string' }]);
    const pointer = commit(undefined, { layer: 'dataquality', folder: 'quarantine/orders', partitionBy: 'quarantine_date' }, ['2026-01-01']);
    await catalog.publish(pointer, undefined);
    expect(await locationsOf('dataquality', 'quarantine_orders')).toEqual({
      '2026-01-01': url('dataquality', 'quarantine/orders/_v/c000001-run-1/quarantine_date=2026-01-01'),
    });
  });
});
