import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import type { Layer } from '../../../config/schema.ts';
import type { DatasetDefinition } from '../../../pipelines/datasets/index.ts';
import type { Relations } from '../../../pipelines/sql/render.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import type { LoadedColumn, LoadedValue, QueryEngine, StagedRaw, TableWritten } from '../../ports/query-engine.ts';

export interface AthenaQueryEngineProps {
  readonly client: Pick<AthenaClient, 'send'>;
  /** The platform workgroup: it holds the result location, encryption and scan cut-off. */
  readonly workgroup: string;
  readonly databases: Record<Layer, string>;
  readonly buckets: Record<Layer, string>;
  /** Used to clear a prefix before UNLOAD writes it (UNLOAD refuses a non-empty prefix) and to drop scratch data. */
  readonly store: ObjectStore;
  /** Distinguishes this session's scratch tables. */
  readonly sessionId: string;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
}

const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The query engine on Athena (engine v3, Trino SQL). Raw tables are the
 * crawler's CSV tables (every column text); temporary relations are CTAS
 * tables in the dataquality database under `_scratch/`, dropped at close;
 * layer tables are written with UNLOAD as ZSTD Parquet.
 *
 * Unlike DuckDB, Athena's CSV reader cannot report lines it could not split:
 * a line with extra fields is read with the extras ignored.
 */
export class AthenaQueryEngine implements QueryEngine {
  readonly dialect = 'trino' as const;
  private readonly scratch: { table: string; prefix: string }[] = [];

  constructor(private readonly props: AthenaQueryEngineProps) {}

  readonly relations: Relations = {
    source: (table) => this.qualified('dataquality', this.scratchName(`staged_${table}`)),
    ref: (layer, table) =>
      table.startsWith('quarantine/')
        ? this.qualified('dataquality', `quarantine_${table.slice('quarantine/'.length)}`)
        : this.qualified(layer as Layer, table),
  };

  private qualified(layer: Layer, table: string): string {
    return `${identifier(this.props.databases[layer])}.${identifier(table)}`;
  }

  private scratchName(name: string): string {
    return `tmp_${this.props.sessionId}_${name}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  }

  async stageRaw(dataset: DatasetDefinition): Promise<StagedRaw> {
    const table = this.scratchName(`staged_${dataset.name}`);
    const files = (await this.props.store.list('raw', `${dataset.name}/`)).map((object) => object.key);
    await this.ctas(
      table,
      `select ${dataset.columns.map((column) => identifier(column.name)).join(', ')},
              row_number() over (order by "$path") as _row_id, "$path" as _source_file
       from ${this.qualified('raw', dataset.name)}`,
    );
    const [row] = await this.query<{ n: string }>(`select count(*) as n from ${this.qualified('dataquality', table)}`);
    return {
      relation: this.qualified('dataquality', table),
      rejectedRelation: '(select cast(null as varchar) as raw_line, cast(null as varchar) as reason, cast(null as varchar) as source_file where false)',
      files,
      rowsRead: Number(row?.n ?? 0),
    };
  }

  async createTemporary(name: string, select: string): Promise<string> {
    const table = this.scratchName(name);
    await this.ctas(table, select);
    return this.qualified('dataquality', table);
  }

  /** JSON lines under `_scratch/`, read through an external table that close() drops with the rest. */
  async loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string> {
    const table = this.scratchName(name);
    const prefix = `_scratch/${table}/`;
    this.scratch.push({ table, prefix });
    const lines = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((column, index) => [column.name, row[index] ?? null]))));
    await this.props.store.write('dataquality', `${prefix}rows.json`, `${lines.join('\n')}\n`);
    const types = { string: 'string', double: 'double', int: 'int', date: 'date' } as const;
    await this.execute(
      `create external table ${this.qualified('dataquality', table).replaceAll('"', '`')} (${columns.map((column) => `\`${column.name}\` ${types[column.type]}`).join(', ')})
       row format serde 'org.openx.data.jsonserde.JsonSerDe'
       location 's3://${this.props.buckets.dataquality}/${prefix}'`,
    );
    return this.qualified('dataquality', table);
  }

  private async ctas(table: string, select: string): Promise<void> {
    const prefix = `_scratch/${table}/`;
    this.scratch.push({ table, prefix });
    await this.execute(
      `create table ${this.qualified('dataquality', table)}
       with (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://${this.props.buckets.dataquality}/${prefix}')
       as ${select}`,
    );
  }

  async replace(target: { layer: Layer; prefix: string; partitionBy?: string }, select: string): Promise<TableWritten> {
    const prefix = `${target.prefix.replace(/\/$/, '')}/`;
    // UNLOAD needs an empty prefix; Athena has no atomic swap, so readers may briefly see the table empty.
    for (const object of await this.props.store.list(target.layer, prefix)) await this.props.store.delete(target.layer, object.key);
    const partitioning = target.partitionBy ? `, partitioned_by = ARRAY['${target.partitionBy}']` : '';
    await this.execute(
      `unload (${select}) to 's3://${this.props.buckets[target.layer]}/${prefix}' with (format = 'PARQUET', compression = 'ZSTD'${partitioning})`,
    );
    const written = await this.props.store.list(target.layer, prefix);
    const [row] = await this.query<{ n: string }>(`select count(*) as n from (${select}) written`);
    return { rows: Number(row?.n ?? 0), files: written.length, bytes: written.reduce((sum, object) => sum + object.sizeBytes, 0) };
  }

  async query<Row extends Record<string, unknown>>(select: string): Promise<Row[]> {
    const id = await this.execute(select);
    const rows: Row[] = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    do {
      const page = await this.props.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken }));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const record of first ? data.slice(1) : data) {
        rows.push(Object.fromEntries(columns.map((column, index) => [column.Name!, record.Data?.[index]?.VarCharValue ?? null])) as Row);
      }
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  /** Runs a statement to completion and returns its execution id; a failed statement throws with Athena's reason. */
  private async execute(sql: string): Promise<string> {
    const started = await this.props.client.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: this.props.workgroup }));
    const id = started.QueryExecutionId!;
    for (;;) {
      const { QueryExecution } = await this.props.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') return id;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new Error(`Athena query ${id} ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.props.pollIntervalMs ?? 1000));
    }
  }

  async close(): Promise<void> {
    for (const { table, prefix } of this.scratch.reverse()) {
      await this.execute(`drop table if exists ${this.qualified('dataquality', table)}`);
      for (const object of await this.props.store.list('dataquality', prefix)) await this.props.store.delete('dataquality', object.key);
    }
  }
}
