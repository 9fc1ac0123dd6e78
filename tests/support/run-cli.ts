import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../cli/synth-platform.ts';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `strata <args>` as a user would, in a child process. */
export function runStrata(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'strata.mjs'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under a folder, relative path -> content, for byte-for-byte comparison. */
export function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.set(relative(root, path), readFileSync(path));
    }
  };
  visit(root);
  return files;
}

/**
 * Runs `strata <args>` in this process, through the same `main` bin/strata.mjs
 * calls, capturing what it prints: for tables of cases where a child process
 * each would cost more than the behaviour they show. The exit code is what
 * main returns (bin/strata.mjs makes it the process's).
 */
export async function runStrataInProcess(args: string[]): Promise<CliResult> {
  const { main } = await import('../../cli/main.ts');
  const captured = { stdout: '', stderr: '' };
  const text = (values: unknown[]) => `${values.map((value) => (typeof value === 'string' ? value : value instanceof Error ? (value.stack ?? value.message) : String(value))).join(' ')}\n`;
  const original = { log: console.log, error: console.error, out: process.stdout.write, err: process.stderr.write };
  console.log = (...values: unknown[]) => void (captured.stdout += text(values));
  console.error = (...values: unknown[]) => void (captured.stderr += text(values));
  process.stdout.write = ((chunk: string | Uint8Array) => ((captured.stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((captured.stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const status = await main(args);
    return { status, ...captured };
  } finally {
    Object.assign(console, { log: original.log, error: original.error });
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
}
