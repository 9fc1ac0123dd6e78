/**
 * DuckDB over a lake's committed tables: a schema per layer, a view per
 * table over exactly the files its pointer names, so `trusted.orders` reads
 * the committed version and nothing a build left beside it.
 */
import { DuckDBTypeId, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { join } from 'node:path';
import { DuckDbDatabase } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import { SQL_TYPES } from '../../pipelines/contract/sql-types.ts';
import { filesOf } from '../../pipelines/contract/table-pointer.ts';
import type { CommittedTable } from './committed-tables.ts';

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The select a table's view is: its pointer's files, or an empty typed relation when it has none. */
export function viewSelect(lake: string, table: CommittedTable): string {
  const { pointer } = table;
  const files = filesOf(pointer);
  if (files.length === 0) {
    const columns = [...pointer.columns];
    if (pointer.partitionBy && !columns.some((column) => column.name === pointer.partitionBy)) columns.push({ name: pointer.partitionBy, type: 'string' });
    if (columns.length === 0) return 'select null as _empty where false';
    return `select ${columns.map((column) => `cast(null as ${SQL_TYPES.duckdb[column.type] ?? column.type}) as ${identifier(column.name)}`).join(', ')} where false`;
  }
  const paths = files.map((file) => literal(join(lake, table.layer, ...file.key.split('/'))));
  return `select * from read_parquet([${paths.join(', ')}], hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`;
}

export interface QueryResult {
  readonly columns: string[];
  readonly types: string[];
  /** Cells as DuckDB prints them; null for NULL. */
  readonly text: (string | null)[][];
  /** Cells as JSON values: integers that fit as numbers, the rest as DuckDB's JSON rendering. */
  readonly json: unknown[][];
  readonly numeric: boolean[];
}

const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);
const NUMERIC_TYPES = new Set([...INTEGER_TYPES, DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

function resultOf(reader: DuckDBResultReader): QueryResult {
  const types = reader.columnTypes();
  const json = reader.getRowsJson().map((row) =>
    row.map((cell, index) => {
      if (typeof cell === 'string' && INTEGER_TYPES.has(types[index]!.typeId)) {
        const number = Number(cell);
        return Number.isSafeInteger(number) ? number : cell;
      }
      return cell;
    }),
  );
  return {
    columns: reader.columnNames(),
    types: types.map((type) => type.toString()),
    text: reader.getRows().map((row) => row.map((cell) => (cell === null ? null : String(cell)))),
    json,
    numeric: types.map((type) => NUMERIC_TYPES.has(type.typeId)),
  };
}

/** A DuckDB error as one line: its message without the `LINE n:` caret excerpt. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const kept = message.split(/\n\s*LINE \d+:/)[0]!;
  return kept
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

export class LakeQuery {
  private constructor(
    private readonly database: DuckDbDatabase,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Opens DuckDB as the local runner does (DuckDbDatabase.open) and defines the schemas and views of `tables`. */
  static async open(lake: string, tables: readonly CommittedTable[]): Promise<LakeQuery> {
    const database = await DuckDbDatabase.open();
    // The instance DuckDbDatabase configured (threads, memory, no network): one connection of it, used directly.
    const connection = await database['instance'].connect();
    const query = new LakeQuery(database, connection);
    try {
      for (const layer of [...new Set(tables.map((table) => table.layer))]) await connection.run(`create schema ${identifier(layer)}`);
      for (const table of tables) {
        await connection.run(`create view ${identifier(table.layer)}.${identifier(table.table)} as ${viewSelect(lake, table)}`);
      }
    } catch (error) {
      query.close();
      throw error;
    }
    return query;
  }

  async run(sql: string): Promise<QueryResult> {
    return resultOf(await this.connection.runAndReadAll(sql));
  }

  close(): void {
    this.connection.closeSync();
    this.database.close();
  }
}
