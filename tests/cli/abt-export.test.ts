/**
 * `strata abt export` where there is nothing to export or the invocation is wrong.
 * The export of a real ABT is specified on the lake a run built, in tests/cli/run-command.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStrataInProcess } from '../support/run-cli.ts';

describe('strata abt export', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-abt-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('says to run the flows first when the lake has no ABT yet', async () => {
    const empty = join(work, 'empty-lake');
    const result = await runStrataInProcess(['abt', 'export', '--lake', empty, '--out', join(work, 'none.csv')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no ABT in .*refined\/abt_churn yet; run `strata run --flows all` first/);
    expect(existsSync(join(work, 'none.csv'))).toBe(false);
  });

  it('is a usage error without --out, or without a known subcommand', async () => {
    const noOut = await runStrataInProcess(['abt', 'export', '--lake', join(work, 'lake')]);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/strata abt: --out <file\.csv> is required/);
    expect(noOut.stderr).toContain('Usage: strata abt export --out <file.csv> [--model <name>] [--lake <folder>]');
    const model = await runStrataInProcess(['abt', 'export', '--out', join(work, 'x.csv'), '--model', 'seller-segmints']);
    expect(model.status).toBe(2);
    expect(model.stderr).toMatch(/--model seller-segmints: no such model; models: seller-churn, seller-segments, order-delay, seller-activation, purchase-recommendation, rain-next-hour/);
    const unknown = await runStrataInProcess(['abt', 'import', '--out', 'x.csv']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subcommand "import"; subcommands: export/);
  });
});
