import { describe, expect, it } from 'vitest';
import { encodedWhenDistinct } from '../../../lambdas/ingest/staged-parquet.ts';

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
