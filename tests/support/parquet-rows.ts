import { DuckDBInstance } from '@duckdb/node-api';

/** Rows in the Parquet files a glob matches, counted by a DuckDB of its own (the CLI under test has exited). */
export async function countParquetRows(glob: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`select count(*) from read_parquet('${glob}', union_by_name = true)`);
    return Number(reader.getRows()[0]![0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
