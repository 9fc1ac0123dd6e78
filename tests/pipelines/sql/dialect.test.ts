import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { DIALECTS, MACROS } from '../../../pipelines/sql/dialect.ts';

describe('the boolean macro', () => {
  it('reads true and false in any case, and makes blanks and other words missing, on DuckDB', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const values = ['true', 'FALSE', ' True ', '', 'yes', '1x'];
    const reader = await connection.runAndReadAll(
      `select ${MACROS.boolean!('duckdb', 'v')} as b from (values ${values.map((value) => `('${value}')`).join(', ')}) t(v)`,
    );
    expect(reader.getRowObjects().map((row) => row.b)).toEqual([true, false, true, null, null, null]);
    connection.closeSync();
  });

  it('renders the same statement for every engine, not their casts (which accept different spellings)', () => {
    for (const dialect of DIALECTS) expect(MACROS.boolean!(dialect, 'v')).toBe("case lower(trim(v)) when 'true' then true when 'false' then false end");
  });
});
