/**
 * `--record`: a benchmark writes what it printed into docs/benchmarks.md, between
 * `<!-- bench:<name> ... -->` and `<!-- /bench:<name> -->`, under a line naming the command, the date, the
 * commit and the machine, so the docs quote what a script measured and never a figure typed by hand.
 * Progress written with process.stdout.write is not recorded; console.log lines are.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../cli/synth-platform.ts';

export const BENCHMARKS_DOC = join(REPO_ROOT, 'docs', 'benchmarks.md');

export interface Recording {
  /** Writes the block when the script was asked to record; call once, after the last figure. */
  finish(): void;
}

/** Starts collecting console.log lines for the block of `bench:<name>` (only when `record` is set). */
export function startRecording(name: string, record: boolean, command = `npm run bench:${name}`): Recording {
  if (!record) return { finish: () => undefined };
  const lines: string[] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => {
    lines.push(values.map(String).join(' '));
    log(...values);
  };
  return {
    finish() {
      console.log = log;
      const provenance = `Measured by \`${command}\` on ${new Date().toISOString().slice(0, 10)} at commit ${commit()}, on ${machine()}.`;
      writeFileSync(BENCHMARKS_DOC, withBlock(readFileSync(BENCHMARKS_DOC, 'utf8'), name, provenance, lines));
      log(`recorded in docs/benchmarks.md (bench:${name})`);
    },
  };
}

/** `doc` with the block of `name` replaced by `provenance` and `output`; the block must exist. */
export function withBlock(doc: string, name: string, provenance: string, output: readonly string[]): string {
  const start = new RegExp(`<!-- bench:${name}(:[^>]*)? -->\\n`);
  const end = `<!-- /bench:${name} -->`;
  const opening = start.exec(doc);
  const closing = opening ? doc.indexOf(end, opening.index) : -1;
  if (!opening || closing === -1) throw new Error(`docs/benchmarks.md has no block for bench:${name} (${start.source} ... ${end})`);
  const body = [provenance, '', '```text', ...trimBlank(output), '```', ''].join('\n');
  return doc.slice(0, opening.index + opening[0].length) + body + doc.slice(closing);
}

function trimBlank(lines: readonly string[]): string[] {
  const text = lines.join('\n').split('\n');
  while (text[0]?.trim() === '') text.shift();
  while (text.at(-1)?.trim() === '') text.pop();
  return text;
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    // The blocks other benchmarks wrote into docs/benchmarks.md are not what was measured.
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs/benchmarks.md'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function machine(): string {
  return `${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
