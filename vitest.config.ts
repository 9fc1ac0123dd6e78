import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Synthesizing a cloud takes seconds; these are not timing assertions.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one worker on CI's two.
    // Much of the suite waits on child processes (synth, the CLI, moto, DuckDB I/O): a third worker runs a file
    // while two wait (on 2 cores: 184 s against 203 s with two workers, 2026-12-04).
    maxWorkers: 3,
    // Files of a worker share one module cache: importing aws-cdk-lib, DuckDB and the handlers once per
    // worker instead of once per file saved 40 s of the suite. Tests keep their state in their own folders.
    isolate: false,
  },
});
