import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBenchOptions, positiveNumbersOption, wholeNumberOption } from '../../bench/options.ts';

/** Runs `refusing` with process.exit and console.error captured: what it said and the code it would exit with. */
function refusal(refusing: () => unknown): { said: string; code: number | undefined } {
  const said: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((text: unknown) => void said.push(String(text)));
  let code: number | undefined;
  vi.spyOn(process, 'exit').mockImplementation(((value?: number) => {
    code = value;
    throw new Error('exited');
  }) as typeof process.exit);
  expect(refusing).toThrow('exited');
  return { said: said.join('\n'), code };
}

describe('a benchmark script’s options', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are read as given when they are right', () => {
    expect(wholeNumberOption('synth', '--runs', '5')).toBe(5);
    expect(positiveNumbersOption('pipeline', '--scales', '0.1,1')).toEqual([0.1, 1]);
  });

  it('end a mistake in one line naming the script, the option and what is allowed, exit 2', () => {
    expect(refusal(() => wholeNumberOption('synth', '--runs', 'x'))).toEqual({ said: 'bench:synth: --runs must be a whole number >= 1, got x', code: 2 });
    expect(refusal(() => positiveNumbersOption('ml', '--scales', '0,1'))).toEqual({ said: 'bench:ml: --scales must be positive numbers separated by commas, got 0,1', code: 2 });
    expect(refusal(() => parseBenchOptions('suite', () => parseArgs({ args: ['--bogus'], options: { runs: { type: 'string' } } })))).toEqual({ said: "bench:suite: Unknown option '--bogus'", code: 2 });
  });
});
