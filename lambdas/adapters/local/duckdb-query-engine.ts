import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import type { HandlerClass, Layer } from '../../../config/schema.ts';
import { NULL_PARTITION, type TablePointer } from '../../../pipelines/contract/table-pointer.ts';
import { SQL_TYPES } from '../../../pipelines/contract/sql-types.ts';
import type { Relations } from '../../../pipelines/sql/render.ts';
import { commitReplace } from '../../lake/commit-replace.ts';
import { resolveTableRefs, tableToken } from '../../lake/table-refs.ts';
import { TableStore } from '../../lake/table-store.ts';
import { FolderObjectStore } from './folder-object-store.ts';
import { checkGrant, GrantCheckedObjectStore } from './grant-checked-object-store.ts';
import type { LoadedColumn, LoadedValue, QueryEngine, ReplaceTarget, TableWritten, WriteTarget, WrittenPartition } from '../../ports/query-engine.ts';

const TARGET_FILE_MB = 128;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** One DuckDB instance per process (a lake folder), shared by the sessions the local runner opens. */
export class DuckDbDatabase {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async open(options: { threads?: number; memoryLimit?: string } = {}): Promise<DuckDbDatabase> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 2),
      memory_limit: options.memoryLimit ?? '1GB',
      // Local runs must not reach the network; extensions that download are off.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    return new DuckDbDatabase(instance);
  }

  /**
   * A session over the lake folder.
   * @param options.handlerClass read and write only what this handler class is granted (pipelines/access.ts), as
   *   Athena reads and writes with the caller's credentials. @default - everything
   */
  async session(lakeRoot: string, options: { handlerClass?: HandlerClass } = {}): Promise<DuckDbQueryEngine> {
    return new DuckDbQueryEngine(lakeRoot, await this.instance.connect(), options.handlerClass);
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** A Hive partition folder name's value, as DuckDB wrote it. */
function partitionValueOf(folderName: string): string {
  const value = decodeURIComponent(folderName.slice(folderName.indexOf('=') + 1));
  return value === 'NULL' || value === '__HIVE_DEFAULT_PARTITION__' ? NULL_PARTITION : value;
}

/**
 * The query engine on embedded DuckDB, reading and writing the lake folder.
 * A committed table is read as the exact file list of its pointer.
 */
export class DuckDbQueryEngine implements QueryEngine {
  readonly dialect = 'duckdb' as const;
  private static sequence = 0;
  private readonly temporaries: string[] = [];

  /** The lake as files: the same folder store the handlers write through. */
  private readonly lake: FolderObjectStore;
  readonly tables: TableStore;

  constructor(
    readonly lakeRoot: string,
    private readonly connection: DuckDBConnection,
    /** Whose grants every file read and written is checked against. @default - none checked */
    private readonly handlerClass?: HandlerClass,
  ) {
    this.lake = new FolderObjectStore(lakeRoot);
    this.tables = new TableStore(handlerClass ? new GrantCheckedObjectStore(this.lake, handlerClass) : this.lake);
  }

  /** The file's path, once the handler class may do this to it. */
  private pathFor(action: 'read' | 'write', layer: Layer, key: string): string {
    if (this.handlerClass) checkGrant(this.handlerClass, action, layer, key);
    return this.lake.pathOf(layer, key);
  }

  readonly relations: Relations = {
    source: (table) => {
      throw new Error(`source(${table}) is the trusted build's staged batch; render trusted models through buildTrusted`);
    },
    ref: (layer, table) => tableToken(layer, table),
  };

  private unique(name: string): string {
    DuckDbQueryEngine.sequence += 1;
    return `${name}_${process.pid}_${DuckDbQueryEngine.sequence}`;
  }

  filesRelation(layer: Layer, keys: readonly string[], columns: readonly { name: string; type: string }[]): string {
    const typed = columns.map((column) => `cast(null as ${SQL_TYPES.duckdb[column.type] ?? column.type}) as ${column.name}`).join(', ');
    if (keys.length === 0) return `(select ${typed} where false)`;
    const paths = keys.map((key) => literal(this.pathFor('read', layer, key)));
    return `(select ${columns.map((column) => column.name).join(', ')} from read_parquet([${paths.join(', ')}], union_by_name = true))`;
  }

  /** The relation of a committed version: its files, the partition column from their folders. */
  private committedRelation(pointer: TablePointer): string {
    const files = Object.values(pointer.partitions).flatMap((partition) => partition.files);
    if (files.length === 0) {
      if (pointer.columns.length === 0) return `(select 1 as _empty where false)`;
      const columns = [...pointer.columns];
      if (pointer.partitionBy && !columns.some((column) => column.name === pointer.partitionBy)) columns.push({ name: pointer.partitionBy, type: 'string' });
      return `(select ${columns.map((column) => `cast(null as ${SQL_TYPES.duckdb[column.type] ?? column.type}) as ${column.name}`).join(', ')} where false)`;
    }
    const paths = files.map((file) => literal(this.pathFor('read', pointer.layer, file.key)));
    return `read_parquet([${paths.join(', ')}], hive_partitioning = ${pointer.partitionBy ? 'true' : 'false'}, union_by_name = true)`;
  }

  private resolve(sql: string): Promise<string> {
    return resolveTableRefs(sql, this.tables, (pointer) => this.committedRelation(pointer));
  }

  async createTemporary(name: string, select: string): Promise<string> {
    const relation = this.unique(name);
    await this.run(`create temp table ${relation} as ${await this.resolve(select)}`);
    this.temporaries.push(relation);
    return relation;
  }

  async loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string> {
    const relation = this.unique(name);
    const types = { string: 'varchar', double: 'double', int: 'integer', date: 'date' } as const;
    await this.run(`create temp table ${relation} (${columns.map((column) => `${column.name} ${types[column.type]}`).join(', ')})`);
    this.temporaries.push(relation);
    if (columns.some((column) => column.type === 'date')) {
      const value = (cell: LoadedValue, column: LoadedColumn) => {
        if (cell === null || (typeof cell === 'number' && !Number.isFinite(cell))) return 'null';
        if (column.type === 'string' || column.type === 'date') return `${literal(String(cell))}${column.type === 'date' ? '::date' : ''}`;
        return String(cell);
      };
      // Batched so a statement stays small whatever the row count.
      for (let start = 0; start < rows.length; start += 1000) {
        const batch = rows.slice(start, start + 1000).map((row) => `(${row.map((cell, index) => value(cell, columns[index]!)).join(', ')})`);
        await this.run(`insert into ${relation} values ${batch.join(', ')}`);
      }
      return relation;
    }
    // Without dates, DuckDB's appender: a ranker's scores are hundreds of thousands of rows, which as
    // INSERT ... VALUES statements took 12 s to parse at scale 1, 0.7 s appended.
    // Temporary tables live in the catalog temp, schema main.
    const appender = await this.connection.createAppender(relation, 'main', 'temp');
    try {
      for (const row of rows) {
        row.forEach((cell, index) => {
          const type = columns[index]!.type;
          if (cell === null || (typeof cell === 'number' && !Number.isFinite(cell))) appender.appendNull();
          else if (type === 'string') appender.appendVarchar(String(cell));
          else if (type === 'int') appender.appendInteger(Number(cell));
          else appender.appendDouble(Number(cell));
        });
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return relation;
  }

  async writeFiles(target: WriteTarget, select: string): Promise<Record<string, WrittenPartition>> {
    const folderPath = this.pathFor('write', target.layer, `${target.folder}/`);
    // DuckDB writes one file per partition folder and cannot also split by size
    // there; unpartitioned tables are split into files of about TARGET_FILE_MB.
    const layout = target.partitionBy ? `partition_by (${target.partitionBy})` : `file_size_bytes '${TARGET_FILE_MB}MB'`;
    const resolved = await this.resolve(select);
    const rows = target.sortBy && target.sortBy.length > 0 ? `select * from (${resolved}) w order by ${target.sortBy.join(', ')}` : resolved;
    const copy = `copy (${rows}) to ${literal(folderPath)} (format parquet, compression zstd, ${layout},
        filename_pattern 'part-{i}', overwrite_or_ignore true, return_stats true)`;
    let reader;
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(folderPath), { recursive: true });
      try {
        reader = await this.connection.runAndReadAll(copy);
        break;
      } catch (error) {
        // A delete beside it (the lake folder removes emptied folders) took a parent away between the mkdir and the COPY: again.
        if (attempt === 3 || !/No such file or directory/.test((error as Error).message)) throw error;
      }
    }
    const written: Record<string, { folder: string; rows: number; files: { key: string; bytes: number }[] }> = {};
    const layerRoot = `${this.lake.pathOf(target.layer, '.')}`.replace(/[\\/]\.$/, '') + sep;
    for (const file of reader.getRowObjectsJson() as { filename: string; count: string; file_size_bytes: string }[]) {
      const key = file.filename.slice(layerRoot.length).split(sep).join('/');
      const folder = key.slice(0, key.lastIndexOf('/'));
      const value = target.partitionBy ? partitionValueOf(folder.slice(folder.lastIndexOf('/') + 1)) : '';
      const partition = (written[value] ??= { folder, rows: 0, files: [] });
      partition.rows += Number(file.count);
      partition.files.push({ key, bytes: Number(file.file_size_bytes) });
    }
    return written;
  }

  async publish(): Promise<void> {
    // DuckDB reads pointers itself: there is no catalog to update.
  }

  async replace(target: ReplaceTarget, select: string): Promise<TableWritten> {
    return (await commitReplace(this, this.tables, target, select)).written;
  }

  async query<Row extends Record<string, unknown>>(select: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(await this.resolve(select));
    return reader.getRowObjects() as Row[];
  }

  private async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async close(): Promise<void> {
    for (const relation of this.temporaries.reverse()) await this.run(`drop table if exists ${relation}`).catch(() => undefined);
    this.connection.closeSync();
  }
}
