/**
 * docs/benchmarks.md quotes what the benchmark scripts printed, written there by the scripts (`--record`):
 * every bench script has its block, and a block is replaced whole, under its provenance line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS_DOC, withBlock } from '../../bench/record.ts';
import { REPO_ROOT } from '../../cli/synth-platform.ts';

const scripts = Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)
  .filter((name) => name.startsWith('bench:'))
  .map((name) => name.slice('bench:'.length));

describe('docs/benchmarks.md', () => {
  const doc = readFileSync(BENCHMARKS_DOC, 'utf8');

  it.each(scripts)('has the block bench:%s writes, opened and closed once', (name) => {
    expect(doc.match(new RegExp(`<!-- bench:${name}[ :][^>]*-->`, 'g')), name).toHaveLength(1);
    expect(doc.split(`<!-- /bench:${name} -->`), name).toHaveLength(2);
  });

  it('has a block only for a script that exists', () => {
    const blocks = [...doc.matchAll(/<!-- bench:([a-z-]+)/g)].map((match) => match[1]);
    expect(blocks.sort()).toEqual([...scripts].sort());
  });
});

describe('a recorded block', () => {
  const doc = ['# B', '', '<!-- bench:synth: written by the script -->', 'old figures', '<!-- /bench:synth -->', '', 'prose after'].join('\n');

  it('replaces what the block held with the provenance and the output, verbatim, and leaves the rest', () => {
    const recorded = withBlock(doc, 'synth', 'Measured by `npm run bench:synth` on 2026-12-03.', ['', '| a | b |', '|---|---|', '| 1 s | 2 MB |', '']);
    expect(recorded).toBe(
      ['# B', '', '<!-- bench:synth: written by the script -->', 'Measured by `npm run bench:synth` on 2026-12-03.', '', '```text', '| a | b |', '|---|---|', '| 1 s | 2 MB |', '```', '<!-- /bench:synth -->', '', 'prose after'].join('\n'),
    );
    // Recording again replaces, never appends.
    expect(withBlock(recorded, 'synth', 'again', ['x'])).toBe(['# B', '', '<!-- bench:synth: written by the script -->', 'again', '', '```text', 'x', '```', '<!-- /bench:synth -->', '', 'prose after'].join('\n'));
  });

  it('refuses a script without a block, naming the markers it looked for', () => {
    expect(() => withBlock(doc, 'pipeline', 'p', [])).toThrow(/docs\/benchmarks\.md has no block for bench:pipeline/);
  });
});
