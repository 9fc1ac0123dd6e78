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

describe('the epoch_seconds macro', () => {
  it('reads whole seconds since 1970 as the UTC timestamp, and anything else as missing, on DuckDB', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const values = ['1772409600', ' 0 ', '', '17.5', 'soon'];
    const reader = await connection.runAndReadAll(
      `select strftime(${MACROS.epoch_seconds!('duckdb', 'v')}, '%Y-%m-%d %H:%M:%S') as t from (values ${values.map((value) => `('${value}')`).join(', ')}) t(v)`,
    );
    expect(reader.getRowObjects().map((row) => row.t)).toEqual(['2026-03-02 00:00:00', '1970-01-01 00:00:00', null, null, null]);
    connection.closeSync();
  });

  it('uses each engine’s own conversion: Trino’s from_unixtime cast to a zoneless timestamp, Spark’s timestamp_seconds', () => {
    expect(MACROS.epoch_seconds!('trino', 'v')).toMatch(/^cast\(from_unixtime\(.*\) as timestamp\)$/);
    expect(MACROS.epoch_seconds!('spark', 'v')).toMatch(/^timestamp_seconds\(.*\)$/);
  });
});

describe('the integer macros', () => {
  it('read only whole numbers, so 17.5 is not an integer on any engine (DuckDB’s own cast would round it), on DuckDB', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const values = ['42', ' -7 ', '+3', '17.5', '1e3', '', 'x'];
    const reader = await connection.runAndReadAll(
      `select ${MACROS.int!('duckdb', 'v')} as i, ${MACROS.bigint!('duckdb', 'v')} as b from (values ${values.map((value) => `('${value}')`).join(', ')}) t(v)`,
    );
    expect(reader.getRowObjects().map((row) => row.i)).toEqual([42, -7, 3, null, null, null, null]);
    expect(reader.getRowObjects().map((row) => row.b)).toEqual([42n, -7n, 3n, null, null, null, null]);
    connection.closeSync();
  });

  it('guard every engine’s cast with the same whole-number pattern, in its own regular-expression function', () => {
    expect(MACROS.int!('trino', 'v')).toContain("regexp_like(trim(v), '^[+-]?[0-9]+$')");
    expect(MACROS.int!('spark', 'v')).toContain("trim(v) rlike '^[+-]?[0-9]+$'");
  });
});

describe('the stratified_split macro', () => {
  it('holds out the out-of-time rows and round(n x fraction) of each class for test, by the MD5 of the key, on DuckDB', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // Ten in-time negatives, five in-time positives, two out of time.
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => `(0, 0, 'n${i}')`),
      ...Array.from({ length: 5 }, (_, i) => `(0, 1, 'p${i}')`),
      `(1, 0, 'o0')`,
      `(1, 1, 'o1')`,
    ];
    const reader = await connection.runAndReadAll(
      `select label, ${MACROS.stratified_split!('duckdb', 'is_oot', 'label', 'k', '0.3', 'k')} as split from (values ${rows.join(', ')}) t(is_oot, label, k)`,
    );
    const counts: Record<string, number> = {};
    for (const row of reader.getRowObjects()) counts[`${String(row.label)}/${String(row.split)}`] = (counts[`${String(row.label)}/${String(row.split)}`] ?? 0) + 1;
    expect(counts).toEqual({ '0/test': 3, '0/train': 7, '1/test': 2, '1/train': 3, '0/oot': 1, '1/oot': 1 });
    connection.closeSync();
  });

  it('orders by each engine’s MD5, then the tie-breaking columns', () => {
    expect(MACROS.stratified_split!('trino', 'o', 'y', 'k', 'f', 'a', 'b')).toContain('partition by o, y order by lower(to_hex(md5(to_utf8(k)))), a, b');
  });
});
