/**
 * `strata new ...` in this process, through cli/main.ts's main(), with what
 * it prints captured (tests/support/run-cli.ts does the same, but loads the
 * synth machinery for its REPO_ROOT; these tests need none of it).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { main } from '../../../cli/main.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function strata(...args: string[]): Promise<Result> {
  const captured = { stdout: '', stderr: '' };
  const text = (values: unknown[]) => `${values.map((value) => (value instanceof Error ? (value.stack ?? value.message) : String(value))).join(' ')}\n`;
  const original = { log: console.log, error: console.error };
  console.log = (...values: unknown[]) => void (captured.stdout += text(values));
  console.error = (...values: unknown[]) => void (captured.stderr += text(values));
  try {
    const status = await main(args);
    return { status, ...captured };
  } finally {
    console.log = original.log;
    console.error = original.error;
  }
}

/** A fresh folder under the system's temp folder. */
export const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), `strata-new-${prefix}-`));

/** A workloads folder holding the named (empty) workloads. */
export function workloadsWith(...names: string[]): string {
  const root = scratch('workloads');
  for (const name of names) mkdirSync(join(root, name), { recursive: true });
  return root;
}

/** The real Olist sample, vendored gzipped (tests/fixtures/olist-sample), decompressed into `folder`. */
export function olistSample(folder: string, file: string): string {
  const path = join(folder, file);
  writeFileSync(path, gunzipSync(readFileSync(join(REPO, 'tests', 'fixtures', 'olist-sample', `${file}.gz`))));
  return path;
}

/** A CSV written from bytes or text. */
export function csvFile(folder: string, name: string, content: string | Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

/** The macro each column type goes through in a trusted model (pipelines/sql/dialect.ts). */
export const MACRO_OF: Record<string, RegExp> = {
  string: /^\{\{ text\((\w+)\) \}\} as (\w+),$/,
  int: /^\{\{ int\((\w+)\) \}\} as (\w+),$/,
  bigint: /^\{\{ bigint\((\w+)\) \}\} as (\w+),$/,
  double: /^\{\{ double\((\w+)\) \}\} as (\w+),$/,
  'decimal(12,2)': /^\{\{ decimal\((\w+)\) \}\} as (\w+),$/,
  timestamp: /^\{\{ timestamp\((\w+)\) \}\} as (\w+),$/,
  date: /^\{\{ date\((\w+)\) \}\} as (\w+),$/,
  boolean: /^\{\{ boolean\((\w+)\) \}\} as (\w+),$/,
};

/** The `select` lines of a model, one per column, trimmed. */
export function selectLines(sql: string): string[] {
  const lines = sql.split('\n').map((line) => line.trim());
  return lines.slice(lines.indexOf('select') + 1, lines.indexOf('{{ lineage() }}'));
}
