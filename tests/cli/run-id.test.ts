import { describe, expect, it } from 'vitest';
import { newRunId } from '../../cli/run/local-runner.ts';

describe('local run ids', () => {
  it('sort by name in start order, within one second too (the latest report is the last by name)', () => {
    const second = Date.UTC(2026, 11, 3, 13, 55, 3);
    const ids = [999, 123, 0, 500].map((ms) => newRunId(new Date(second + ms)));
    expect(ids[2]).toMatch(/^run-20261203T135503000Z-[0-9a-f]{6}$/);
    expect([...ids].sort()).toEqual([ids[2], ids[1], ids[3], ids[0]]);
  });

  it('keep to letters, digits and hyphens, as execution and job names allow', () => {
    expect(newRunId()).toMatch(/^run-\d{8}T\d{9}Z-[0-9a-f]{6}$/);
  });
});
