import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POINTER_FILE } from '../../pipelines/contract/lake-layout.ts';
import { parsePointer, type TablePointer } from '../../pipelines/contract/table-pointer.ts';

/** Rows in the Parquet files a glob (or a `[...]` list of quoted paths) matches, counted by a DuckDB of its own (the CLI under test has exited). */
export async function countParquetRows(glob: string, where?: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`select count(*) from read_parquet(${glob.startsWith('[') ? glob : `'${glob}'`}, union_by_name = true)${where ? ` where ${where}` : ''}`);
    return Number(reader.getRows()[0]![0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The committed pointer of a table in a lake folder (the files its version is made of). */
export function pointerOf(lake: string, layer: string, folder: string): TablePointer {
  return parsePointer(folder, readFileSync(join(lake, layer, folder, POINTER_FILE), 'utf8'));
}

/** Rows in the committed version of a table (those matching `where`, if given): its pointer's files, counted from the files themselves. */
export async function countTableRows(lake: string, layer: string, folder: string, where?: string): Promise<number> {
  const files = Object.values(pointerOf(lake, layer, folder).partitions).flatMap((partition) => partition.files);
  if (files.length === 0) return 0;
  const list = files.map((file) => `'${join(lake, layer, file.key).replaceAll("'", "''")}'`).join(', ');
  return countParquetRows(`[${list}]`, where);
}
