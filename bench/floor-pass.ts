/**
 * The floor the pipeline is measured against: one DuckDB pass that reads the
 * same CSVs and writes each as ZSTD Parquet, nothing else. Run as its own
 * process so its time and memory are measured like the pipeline's.
 *
 *   node --import tsx bench/floor-pass.ts <csv folder> <out folder>
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [data, out] = process.argv.slice(2);
if (!data || !out) throw new Error('usage: floor-pass.ts <csv folder> <out folder>');
mkdirSync(out, { recursive: true });
const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
const connection = await instance.connect();
for (const file of readdirSync(data).filter((name) => name.endsWith('.csv'))) {
  const source = join(data, file).replaceAll("'", "''");
  const target = join(out, file.replace(/\.csv$/, '.parquet')).replaceAll("'", "''");
  await connection.run(`copy (select * from read_csv('${source}', header = true, all_varchar = true)) to '${target}' (format parquet, compression zstd)`);
}
connection.closeSync();
instance.closeSync();
