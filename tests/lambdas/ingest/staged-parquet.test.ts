import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodedWhenDistinct, StagedParquetWriter } from '../../../lambdas/ingest/staged-parquet.ts';

const decoded = (values: readonly (string | Uint8Array | null)[]) => values.map((value) => (value instanceof Uint8Array ? new TextDecoder().decode(value) : value));
const distinct = <T extends string | null>(make: (i: number) => T, count = 2_000): T[] => Array.from({ length: count }, (_, i) => make(i));

describe('encodedWhenDistinct: the values the Parquet writer stores plainly, encoded once per column', () => {
  it('gives each mostly distinct value its own UTF-8 bytes, ASCII or not, and keeps the nulls', () => {
    for (const values of [distinct((i) => `-23.${i}`), distinct((i): string | null => (i % 7 === 0 ? null : `ação ${i} 😀 ${'é'.repeat(i % 5)}`))]) {
      const encoded = encodedWhenDistinct(values);
      expect(encoded.every((value) => value === null || value instanceof Uint8Array)).toBe(true);
      expect(decoded(encoded)).toEqual(values);
    }
  });

  it('leaves a column of repeated values as strings, for the dictionary the writer builds from them', () => {
    const states: string[] = distinct((i) => ['SP', 'RJ', 'MG'][i % 3]!);
    expect(encodedWhenDistinct(states)).toBe(states);
  });

  it('leaves the strings when one value ends in a lone high surrogate and the next starts with a low one (joined, they would encode as a pair)', () => {
    const values: string[] = distinct((i) => `v${i}`);
    values[10] = 'left \uD83D';
    values[11] = '\uDE00 right';
    expect(encodedWhenDistinct(values)).toBe(values);
  });
});

describe('StagedParquetWriter', () => {
  let folder: string;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'strata-staged-parquet-'));
    connection = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(async () => {
    connection.closeSync();
    await rm(folder, { recursive: true, force: true });
  });

  it('writes every value as given: a repeated column with a dictionary, a distinct one plainly, both read back whole', async () => {
    const rows = distinct((i) => `${i}`, 3_000).map((i) => [['São Paulo', 'Rio de Janeiro', 'Curitiba'][Number(i) % 3]!, `nota ${i}: ótimo 👍`]);
    const writer = new StagedParquetWriter(['city', 'note'], { ingestedAt: '2026-12-08T00:00:00.000Z', sourceFile: 'raw/t/x.csv' }, 1_000);
    rows.forEach((row, index) => writer.add(row, index + 1));
    const parquet = writer.finish();

    const path = join(folder, 'staged.parquet');
    await writeFile(path, parquet);
    const read = (await connection.runAndReadAll(`select city, note from read_parquet('${path}') order by _record_number`)).getRows();
    expect(read).toEqual(rows);
    const metadata = parquetMetadata(parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength) as ArrayBuffer);
    expect(metadata.row_groups).toHaveLength(3);
    const [city, note] = metadata.row_groups[0]!.columns.map((column) => column.meta_data!.encodings);
    expect(city).toContain('RLE_DICTIONARY');
    expect(note).not.toContain('RLE_DICTIONARY');
  });
});
