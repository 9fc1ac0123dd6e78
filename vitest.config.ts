import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Synthesizing a cloud takes seconds; these are not timing assertions.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one worker on CI's two.
    // Much of the suite waits on child processes (synth, moto, DuckDB I/O), so both cores run files.
    maxWorkers: 2,
    isolate: false,
  },
});
