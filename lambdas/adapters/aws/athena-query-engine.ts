import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import type { Layer } from '../../../config/schema.ts';
import { ingestDateOf, INGEST_DATE_PARTITION, partitionFolder, QUARANTINE_PREFIX, STAGED_PREFIX, STAGED_REJECTS_PREFIX } from '../../../pipelines/contract/lake-layout.ts';
import { castAs } from '../../../pipelines/contract/sql-types.ts';
import { NULL_PARTITION, type TablePointer } from '../../../pipelines/contract/table-pointer.ts';
import type { Relations } from '../../../pipelines/sql/render.ts';
import { commitReplace } from '../../lake/commit-replace.ts';
import { resolveTableRefs, tableToken } from '../../lake/table-refs.ts';
import { TableStore } from '../../lake/table-store.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import type { LoadedColumn, LoadedValue, QueryEngine, ReplaceTarget, TableWritten, WriteTarget, WrittenPartition } from '../../ports/query-engine.ts';

/**
 * What the engine needs of the Glue catalog (GlueTableCatalog in
 * glue-table-catalog.ts has this shape): mirroring a commit's pointer into the
 * table's Glue partitions, and optionally the Glue table of a table folder.
 */
export interface AthenaTableCatalog {
  publish(pointer: TablePointer, previous: TablePointer | undefined): Promise<void>;
  glueTableOf?(layer: Layer, folder: string): { readonly database: string; readonly table: string };
}

export interface AthenaQueryEngineProps {
  readonly client: Pick<AthenaClient, 'send'>;
  /** The platform workgroup: it holds the result location, encryption and scan cut-off. */
  readonly workgroup: string;
  readonly databases: Record<Layer, string>;
  readonly buckets: Record<Layer, string>;
  /** The lake: table pointers, listing what UNLOAD wrote, loaded rows and scratch data. */
  readonly store: ObjectStore;
  /** Distinguishes this session's scratch tables. */
  readonly sessionId: string;
  /**
   * Where commits are published (the Glue partitions Athena reads a table through).
   * @default - none: commits are not published, Athena keeps reading the partitions Glue had
   */
  readonly catalog?: AthenaTableCatalog;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
}

/** Partitions one UNLOAD may write (Athena's limit). */
export const UNLOAD_PARTITION_LIMIT = 100;

/** DML (Trino) identifiers: double quotes. */
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** DDL (Hive) identifiers: backticks. */
const ddlIdentifier = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The folder of the table a folder belongs to: the part before its first `<column>=<value>` segment (`results/run_id=x` -> `results`). */
const tableFolderOf = (folder: string) => {
  const segments = folder.split('/').filter(Boolean);
  const hive = segments.findIndex((segment) => segment.includes('='));
  return (hive === -1 ? segments : segments.slice(0, hive)).join('/');
};

/**
 * The query engine on Athena (engine v3, Trino SQL).
 *
 * - A committed table (`relations.ref`) is read through its Glue table, whose
 *   partitions each commit repoints at the version folders its pointer names
 *   (`publish`, through the injected catalog); the token is resolved when a
 *   statement runs (the pointer is read to name the table's columns).
 * - Staged raw files (`filesRelation`) are read through the declared raw tables
 *   (`<table>` over `staged/`, `<table>_rejects` over `rejects/`), pruned by
 *   `ingest_date` and narrowed to exactly the files by `"$path"`.
 * - Temporary relations are CTAS tables in the dataquality database under
 *   `_scratch/`, dropped at close.
 * - `writeFiles` materializes the select once (CTAS), counts its rows per
 *   partition value, then UNLOADs ZSTD Parquet into the new version folder,
 *   at most 100 partition values per UNLOAD (Athena's limit).
 */
export class AthenaQueryEngine implements QueryEngine {
  readonly dialect = 'trino' as const;
  readonly tables: TableStore;
  private readonly scratch: { table: string; prefix: string }[] = [];
  private sequence = 0;

  constructor(private readonly props: AthenaQueryEngineProps) {
    this.tables = new TableStore(props.store);
  }

  readonly relations: Relations = {
    source: (table) => {
      throw new Error(`source(${table}) is the trusted build's staged batch; render trusted models through buildTrusted`);
    },
    ref: (layer, table) => tableToken(layer, table),
  };

  private qualified(layer: Layer, table: string): string {
    return `${identifier(this.props.databases[layer])}.${identifier(table)}`;
  }

  /** The Glue table of a table folder: `orders` -> `orders`, `quarantine/orders` -> `quarantine_orders`, `results/...` -> `results`. */
  glueTableOf(layer: Layer, folder: string): { database: string; table: string } {
    const tableFolder = tableFolderOf(folder);
    if (this.props.catalog?.glueTableOf) return this.props.catalog.glueTableOf(layer, tableFolder);
    const table =
      layer === 'dataquality' && tableFolder.startsWith(QUARANTINE_PREFIX)
        ? `quarantine_${tableFolder.slice(QUARANTINE_PREFIX.length)}`
        : tableFolder.replaceAll('/', '_');
    return { database: this.props.databases[layer], table };
  }

  /** A committed table: its Glue table, narrowed to the pointer's columns when it names them (an unpartitioned table's version key is not one). */
  private committedRelation(pointer: TablePointer): string {
    const { database, table } = this.glueTableOf(pointer.layer, pointer.folder);
    const qualified = `${identifier(database)}.${identifier(table)}`;
    if (pointer.columns.length === 0) return qualified;
    const names = pointer.columns.map((column) => column.name);
    if (pointer.partitionBy && !names.includes(pointer.partitionBy)) names.push(pointer.partitionBy);
    return `(select ${names.map(identifier).join(', ')} from ${qualified})`;
  }

  private resolve(sql: string): Promise<string> {
    return resolveTableRefs(sql, this.tables, (pointer) => this.committedRelation(pointer));
  }

  private scratchName(name: string): string {
    return `tmp_${this.props.sessionId}_${name}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  }

  private unique(name: string): string {
    this.sequence += 1;
    return this.scratchName(`${name}_${this.sequence}`);
  }

  filesRelation(layer: Layer, keys: readonly string[], columns: readonly { readonly name: string; readonly type: string }[]): string {
    if (keys.length === 0) return `(select ${columns.map((column) => `${castAs('trino', 'null', column.type)} as ${identifier(column.name)}`).join(', ')} where false)`;
    if (layer !== 'raw') throw new Error(`AthenaQueryEngine.filesRelation: only staged raw files are read by file (asked for ${layer}/${keys[0]})`);
    // One declared raw table per source table and kind: <table> over staged/, <table>_rejects over rejects/.
    const groups = new Map<string, string[]>();
    for (const key of new Set(keys)) {
      const kind = key.startsWith(STAGED_PREFIX) ? STAGED_PREFIX : key.startsWith(STAGED_REJECTS_PREFIX) ? STAGED_REJECTS_PREFIX : undefined;
      const table = kind === undefined ? undefined : key.slice(kind.length).split('/', 1)[0];
      if (!kind || !table) throw new Error(`AthenaQueryEngine.filesRelation: raw/${key} is neither a staged file (${STAGED_PREFIX}<table>/...) nor a rejects file (${STAGED_REJECTS_PREFIX}<table>/...)`);
      const name = kind === STAGED_PREFIX ? table : `${table}_rejects`;
      groups.set(name, [...(groups.get(name) ?? []), key]);
    }
    const names = columns.map((column) => identifier(column.name)).join(', ');
    const selects = [...groups].map(([table, files]) => {
      const dates = files.map(ingestDateOf);
      const pruning = dates.every((date) => date !== undefined) ? `${identifier(INGEST_DATE_PARTITION)} in (${[...new Set(dates)].sort().map((date) => literal(date!)).join(', ')}) and ` : '';
      const paths = files.map((key) => literal(`s3://${this.props.buckets.raw}/${key}`)).join(', ');
      return `select ${names} from ${this.qualified('raw', table)} where ${pruning}"$path" in (${paths})`;
    });
    return `(${selects.join('\nunion all\n')})`;
  }

  async createTemporary(name: string, select: string): Promise<string> {
    const table = this.unique(name);
    await this.ctas(table, select);
    return this.qualified('dataquality', table);
  }

  /** JSON lines under `_scratch/`, read through an external table that close() drops with the rest. */
  async loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string> {
    const table = this.unique(name);
    const prefix = `_scratch/${table}/`;
    this.scratch.push({ table, prefix });
    const lines = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((column, index) => [column.name, row[index] ?? null]))));
    await this.props.store.write('dataquality', `${prefix}rows.json`, `${lines.join('\n')}\n`);
    const types = { string: 'string', double: 'double', int: 'int', date: 'date' } as const;
    await this.execute(
      `create external table ${ddlIdentifier(this.props.databases.dataquality)}.${ddlIdentifier(table)} (${columns.map((column) => `${ddlIdentifier(column.name)} ${types[column.type]}`).join(', ')})
       row format serde 'org.openx.data.jsonserde.JsonSerDe'
       location 's3://${this.props.buckets.dataquality}/${prefix}'`,
    );
    return this.qualified('dataquality', table);
  }

  /** CTAS runs on the Trino engine: double-quoted identifiers. */
  private async ctas(table: string, select: string): Promise<void> {
    const prefix = `_scratch/${table}/`;
    this.scratch.push({ table, prefix });
    await this.execute(
      `create table ${this.qualified('dataquality', table)}
       with (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://${this.props.buckets.dataquality}/${prefix}')
       as ${select}`,
    );
  }

  async writeFiles(target: WriteTarget, select: string): Promise<Record<string, WrittenPartition>> {
    const folder = target.folder.split('/').filter(Boolean).join('/');
    const bucket = this.props.buckets[target.layer];
    // A version folder is new, but a retried build writes the same commit's folder again: UNLOAD needs it empty.
    for (const object of await this.props.store.list(target.layer, `${folder}/`)) await this.props.store.delete(target.layer, object.key);
    const all = await this.createTemporary(`write_${folder.split('/')[0]}`, select);
    // The sort goes in the UNLOAD's own select: a CTAS drops an ORDER BY; UNLOAD sorts within each file it writes.
    const sorted = target.sortBy && target.sortBy.length > 0 ? ` order by ${target.sortBy.map(identifier).join(', ')}` : '';
    const unload = (from: string, partitioning = '') =>
      this.execute(`unload (${from}${sorted}) to 's3://${bucket}/${folder}/' with (format = 'PARQUET', compression = 'ZSTD'${partitioning})`);
    const filesUnder = async (prefix: string) =>
      (await this.props.store.list(target.layer, prefix))
        .filter((object) => !/(^|\/)[_.][^/]*$/.test(object.key.slice(prefix.length)))
        .map((object) => ({ key: object.key, bytes: object.sizeBytes }));

    if (!target.partitionBy) {
      const [row] = await this.query<{ n: string }>(`select count(*) as n from ${all}`);
      await unload(`select * from ${all}`);
      return { '': { folder, rows: Number(row?.n ?? 0), files: await filesUnder(`${folder}/`) } };
    }

    const column = target.partitionBy;
    const counts = await this.query<{ value: string | null; n: string }>(
      `select cast(${identifier(column)} as varchar) as value, count(*) as n from ${all} group by 1 order by 1`,
    );
    if (counts.length === 0) return {};
    // UNLOAD's partition column must come last in the select.
    const others = (await this.columnsOf(all)).filter((name) => name !== column);
    const ordered = `select ${[...others, column].map(identifier).join(', ')} from ${all}`;
    for (let start = 0; start < counts.length; start += UNLOAD_PARTITION_LIMIT) {
      const values = counts.slice(start, start + UNLOAD_PARTITION_LIMIT).map((count) => count.value);
      const named = values.filter((value): value is string => value !== null);
      const conditions = [
        ...(named.length > 0 ? [`cast(${identifier(column)} as varchar) in (${named.map(literal).join(', ')})`] : []),
        ...(named.length < values.length ? [`${identifier(column)} is null`] : []),
      ];
      await unload(`${ordered} where ${conditions.join(' or ')}`, `, partitioned_by = ARRAY['${column}']`);
    }
    const written: Record<string, WrittenPartition> = {};
    for (const { value, n } of counts) {
      const partition = `${folder}/${partitionFolder(column, value)}`;
      written[value ?? NULL_PARTITION] = { folder: partition, rows: Number(n), files: await filesUnder(`${partition}/`) };
    }
    return written;
  }

  async publish(pointer: TablePointer, previous: TablePointer | undefined): Promise<void> {
    await this.props.catalog?.publish(pointer, previous);
  }

  async replace(target: ReplaceTarget, select: string): Promise<TableWritten> {
    return (await commitReplace(this, this.tables, target, select)).written;
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

  /** Column names of a relation, in order, from the metadata of a query reading none of its rows. */
  private async columnsOf(relation: string): Promise<string[]> {
    const id = await this.execute(`select * from ${relation} limit 0`);
    const page = await this.props.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1 }));
    return (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((column) => column.Name!);
  }

  /** Runs a statement (its table tokens resolved) to completion and returns its execution id; a failed statement throws with Athena's reason. */
  private async execute(sql: string): Promise<string> {
    const started = await this.props.client.send(new StartQueryExecutionCommand({ QueryString: await this.resolve(sql), WorkGroup: this.props.workgroup }));
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

  /** Drops the scratch tables (Hive DDL: backticks) and their objects. */
  async close(): Promise<void> {
    for (const { table, prefix } of this.scratch.reverse()) {
      await this.execute(`drop table if exists ${ddlIdentifier(this.props.databases.dataquality)}.${ddlIdentifier(table)}`);
      for (const object of await this.props.store.list('dataquality', prefix)) await this.props.store.delete('dataquality', object.key);
    }
  }
}
