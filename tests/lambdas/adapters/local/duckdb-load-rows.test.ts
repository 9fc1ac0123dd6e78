/**
 * The DuckDB engine's loadRows: rows from the process as a temporary
 * relation, the same values back whichever way it loads them (the appender
 * for strings and numbers, INSERT statements when a column is a date).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase, openLake } from '../../../pipelines/support/lake.ts';

afterAll(() => closeDatabase());

describe('DuckDbQueryEngine.loadRows', () => {
  it('loads strings, ints and doubles, NULL and non-finite numbers as NULL, past the batch of 1000 rows of the INSERT path', async () => {
    const lake = await openLake();
    try {
      const rows = Array.from({ length: 2500 }, (_, i) => [`c'${i}`, i, i / 4, i % 1000 === 0 ? null : 'x']);
      rows[1]![2] = Number.NaN;
      const relation = await lake.engine.loadRows('loaded', [
        { name: 'id', type: 'string' },
        { name: 'n', type: 'int' },
        { name: 'v', type: 'double' },
        { name: 'note', type: 'string' },
      ], rows);
      const [count] = await lake.rows(`select count(*) as n, sum(n) as total from ${relation}`);
      expect(count).toEqual({ n: '2500', total: String((2499 * 2500) / 2) });
      const back = await lake.rows(`select * from ${relation} where n in (0, 1, 2, 2499)`, 'id');
      expect(back.slice(0, 3)).toEqual([
        { id: "c'0", n: '0', v: '0.0', note: null },
        { id: "c'1", n: '1', v: null, note: 'x' },
        { id: "c'2", n: '2', v: '0.5', note: 'x' },
      ]);
      expect(back[3]).toEqual({ id: "c'2499", n: '2499', v: '624.75', note: 'x' });
    } finally {
      await lake.close();
    }
  });

  it('loads dates as dates', async () => {
    const lake = await openLake();
    try {
      const relation = await lake.engine.loadRows('dated', [{ name: 'd', type: 'date' }, { name: 'n', type: 'int' }], [['2018-01-01', 1], [null, 2]]);
      expect(await lake.rows(`select d + 1 as next, n from ${relation}`, 'n')).toEqual([{ next: '2018-01-02', n: '1' }, { next: null, n: '2' }]);
    } finally {
      await lake.close();
    }
  });
});
