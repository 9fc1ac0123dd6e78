import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Layer } from '../../../config/schema.ts';
import type { DatasetDefinition } from '../../../pipelines/datasets/index.ts';
import type { Relations } from '../../../pipelines/sql/render.ts';
import { FolderObjectStore } from './folder-object-store.ts';
import { TableInputError, type LoadedColumn, type LoadedValue, type QueryEngine, type StagedRaw, type TableWritten } from '../../ports/query-engine.ts';

const TARGET_FILE_MB = 128;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The first line of a CSV, without a byte-order mark, split on commas (headers hold no quoted commas). */
async function headerOf(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    return line.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await handle.close();
  }
}

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

  async session(lakeRoot: string): Promise<DuckDbQueryEngine> {
    return new DuckDbQueryEngine(lakeRoot, await this.instance.connect());
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** The query engine on embedded DuckDB, reading and writing the lake folder. */
export class DuckDbQueryEngine implements QueryEngine {
  readonly dialect = 'duckdb' as const;
  private static sequence = 0;
  private readonly temporaries: string[] = [];

  /** The lake as files: the same folder store the handlers write through. */
  private readonly lake: FolderObjectStore;

  constructor(
    readonly lakeRoot: string,
    private readonly connection: DuckDBConnection,
  ) {
    this.lake = new FolderObjectStore(lakeRoot);
  }

  readonly relations: Relations = {
    source: (table) => `staged_${table}`,
    ref: (layer, table) =>
      `read_parquet(${literal(join(this.lakeRoot, layer, table, '**', '*.parquet'))}, hive_partitioning = true, union_by_name = true)`,
  };

  private unique(name: string): string {
    DuckDbQueryEngine.sequence += 1;
    return `${name}_${process.pid}_${DuckDbQueryEngine.sequence}`;
  }

  async stageRaw(dataset: DatasetDefinition): Promise<StagedRaw> {
    const keys = (await this.lake.list('raw', `${dataset.name}/`)).map((object) => object.key).filter((key) => key.endsWith('.csv'));
    const files = keys.map((key) => this.lake.pathOf('raw', key));
    const expected = dataset.columns.map((column) => column.name);
    for (const [index, file] of files.entries()) {
      const header = await headerOf(file);
      const missing = expected.filter((name) => !header.includes(name));
      if (missing.length > 0) {
        throw new TableInputError(`raw/${keys[index]}: missing column(s) ${missing.join(', ')}; the file has: ${header.join(', ')}`);
      }
      if (header.join(',') !== expected.join(',')) {
        throw new TableInputError(`raw/${keys[index]}: columns are out of order or extra; expected: ${expected.join(', ')}; the file has: ${header.join(', ')}`);
      }
    }
    const relation = this.relations.source(dataset.name);
    const rejects = this.unique(`rejects_${dataset.name}`);
    const rejectScans = this.unique(`reject_scans_${dataset.name}`);
    const rejectedRelation = this.unique(`rejected_${dataset.name}`);
    const columns = `{${expected.map((name) => `${literal(name)}: 'VARCHAR'`).join(', ')}}`;
    const textColumns = expected.map((name) => `cast(null as varchar) as ${name}`).join(', ');
    if (files.length === 0) {
      await this.run(`create or replace temp table ${relation} as select ${textColumns}, cast(null as bigint) as _row_id, cast(null as varchar) as _source_file where false`);
      await this.run(`create or replace temp table ${rejectedRelation} as select cast(null as varchar) as raw_line, cast(null as varchar) as reason, cast(null as varchar) as source_file where false`);
      this.temporaries.push(relation, rejectedRelation);
      return { relation, rejectedRelation, files: [], rowsRead: 0 };
    }
    // Explicit dialect, no sniffing: raw is untrusted and its shape is declared.
    // Lines the reader cannot split are kept in the rejects table, never dropped.
    // Source files are named as lake keys (raw/<table>/...), never by this machine's paths.
    const rawRoot = literal(`${join(this.lakeRoot, 'raw')}${sep}`);
    const lakeKey = (column: string) => `'raw/' || replace(${column}, ${rawRoot}, '')`;
    await this.run(`create or replace temp table ${relation} as
      select ${expected.join(', ')}, row_number() over () as _row_id, ${lakeKey('filename')} as _source_file
      from read_csv([${files.map(literal).join(', ')}], header = true, auto_detect = false, columns = ${columns},
        delim = ',', quote = '"', escape = '"', filename = true, store_rejects = true,
        rejects_table = ${literal(rejects)}, rejects_scan = ${literal(rejectScans)}, max_line_size = 10000000)`);
    // DuckDB records one error per surplus or missing field; a line is one rejected row.
    await this.run(`create or replace temp table ${rejectedRelation} as
      select any_value(e.csv_line) as raw_line,
             'unparseable line ' || e.line || ': ' || string_agg(distinct e.error_message, '; ' order by e.error_message) as reason,
             ${lakeKey('any_value(s.file_path)')} as source_file
      from ${rejects} e join ${rejectScans} s using (scan_id, file_id)
      group by e.scan_id, e.file_id, e.line`);
    this.temporaries.push(relation, rejectedRelation, rejects, rejectScans);
    const [counts] = await this.query<{ staged: bigint; rejected: bigint }>(
      `select (select count(*) from ${relation}) as staged, (select count(*) from ${rejectedRelation}) as rejected`,
    );
    return { relation, rejectedRelation, files: keys, rowsRead: Number(counts!.staged) + Number(counts!.rejected) };
  }

  async createTemporary(name: string, select: string): Promise<string> {
    const relation = this.unique(name);
    await this.run(`create temp table ${relation} as ${select}`);
    this.temporaries.push(relation);
    return relation;
  }

  async loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string> {
    const relation = this.unique(name);
    const types = { string: 'varchar', double: 'double', int: 'integer', date: 'date' } as const;
    await this.run(`create temp table ${relation} (${columns.map((column) => `${column.name} ${types[column.type]}`).join(', ')})`);
    this.temporaries.push(relation);
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

  async replace(target: { layer: Layer; prefix: string; partitionBy?: string }, select: string): Promise<TableWritten> {
    const prefix = target.prefix.split('/').filter(Boolean).join('/');
    const staging = `${prefix}.staging-${process.pid}-${Date.now()}`;
    const finalFolder = this.lake.pathOf(target.layer, prefix);
    const stagingFolder = this.lake.pathOf(target.layer, staging);
    // DuckDB writes one file per partition folder and cannot also split by size
    // there; unpartitioned tables are split into files of about TARGET_FILE_MB.
    const layout = target.partitionBy ? `partition_by (${target.partitionBy})` : `file_size_bytes '${TARGET_FILE_MB}MB'`;
    await mkdir(dirname(finalFolder), { recursive: true });
    try {
      const reader = await this.connection.runAndReadAll(
        `copy (${select}) to ${literal(stagingFolder)} (format parquet, compression zstd, ${layout},
          filename_pattern 'part-{i}', overwrite_or_ignore true)`,
      );
      const rows = Number(reader.getRows()[0]?.[0] ?? 0);
      const written = (await this.lake.list(target.layer, `${staging}/`)).filter((object) => object.key.endsWith('.parquet'));
      const bytes = written.reduce((sum, object) => sum + object.sizeBytes, 0);
      // Swap whole folders so a reader sees the old table or the new one.
      const previous = `${finalFolder}.previous-${process.pid}-${Date.now()}`;
      await rename(finalFolder, previous).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await rename(stagingFolder, finalFolder).catch(async (error) => {
        // Nothing written (no rows): the table is empty, not absent.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      });
      await rm(previous, { recursive: true, force: true });
      return { rows, files: written.length, bytes };
    } finally {
      await rm(stagingFolder, { recursive: true, force: true });
    }
  }

  async query<Row extends Record<string, unknown>>(select: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(select);
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
