import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthPlatform } from '../../../cli/synth-platform.ts';
import { MAX_CHARS } from '../../../cli/plan/markdown.ts';
import { runStrataInProcess } from '../../support/run-cli.ts';

const PROD = 'config/environments/prod.yaml';

/** The acceptance scenario: a copy of prod.yaml with the Databricks max workers doubled. */
describe('acceptance: prod.yaml against a copy with Databricks max workers doubled', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-acceptance-'));
  const copy = join(scratch, 'prod-doubled.yaml');
  const base = join(scratch, 'base');
  const head = join(scratch, 'head');
  const empty = mkdtempSync(join(tmpdir(), 'strata-empty-'));

  beforeAll(async () => {
    const original = readFileSync(PROD, 'utf8');
    expect(original).toContain('autoscale: { minWorkers: 2, maxWorkers: 8 }');
    writeFileSync(copy, original.replace('maxWorkers: 8 }', 'maxWorkers: 16 }'));
    await Promise.all([synthPlatform({ config: PROD, outdir: base }), synthPlatform({ config: copy, outdir: head })]);
  });

  it('strata cost --vs shows the interactive Databricks line rising (the cluster policy bounds those clusters), with its formula and a positive delta', async () => {
    const result = await runStrataInProcess(['cost', '--config', PROD, '--vs', copy, '--from', base, '--vs-from', head]);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    const index = lines.findIndex((line) => line.includes('Databricks all-purpose (interactive) compute'));
    expect(lines[index]).toMatch(/\$380\.60 ->\s+\$620\.84\s+\+\$240\.24$/);
    expect(lines[index + 1]).toContain('was: 40 sessions x (2 h + 30 min idle) = 100 h x (driver ($0.253 + 1 DBU x $0.55) + 5 workers');
    expect(lines[index + 2]).toContain('now: 40 sessions x (2 h + 30 min idle) = 100 h x (driver ($0.253 + 1 DBU x $0.55) + 9 workers');
    expect(lines[index + 2]).toContain('autoscale 2..16 workers (cluster policy)');
  });

  it('strata cost --vs shows only the lines that changed, and the delta of every total; --all shows every line', async () => {
    const changedOnly = (await runStrataInProcess(['cost', '--config', PROD, '--vs', copy, '--from', base, '--vs-from', head])).stdout;
    const every = (await runStrataInProcess(['cost', '--config', PROD, '--vs', copy, '--from', base, '--vs-from', head, '--all'])).stdout;
    const lineCount = (text: string) => text.split('\n').filter((line) => /^ {4}\S.*->.*[+-]?\$[\d,.]+$/.test(line)).length;
    expect(lineCount(changedOnly)).toBeGreaterThan(0);
    expect(lineCount(every)).toBeGreaterThan(lineCount(changedOnly) + 10);
    expect(changedOnly).not.toMatch(/^ {4}.*\s\+?\$0\.00$/m);
    expect(changedOnly).toMatch(/unchanged lines not shown; --all shows every line/);
    expect(changedOnly).toMatch(/^ {2}total AWS: \$[\d,.]+ -> \$[\d,.]+ {2}[+-]?\$[\d,.]+ {2}\(max .* [+-]?\$[\d,.]+\)$/m);
    expect(changedOnly).toMatch(/^total, both clouds: \$[\d,.]+ -> \$[\d,.]+ {2}\+\$[\d,.]+$/m);
  });

  it('strata plan on the two folders gives the same cost delta without the config flags: each folder records the environment it was synthesized from', async () => {
    const costLine = async (args: string[]) => (await runStrataInProcess(['plan', '--base', base, '--head', head, ...args])).stdout.split('\n')[0]!.replace(/^.*monthly cost: /, '');
    const withFlags = await costLine(['--base-config', PROD, '--head-config', copy]);
    expect(withFlags).toMatch(/^\+\$240\.24 /);
    expect(await costLine([])).toBe(withFlags);
    // --env names the environment of git refs; a folder with a record is priced with its record.
    expect(await costLine(['--env', 'prod'])).toBe(withFlags);
  });

  it('strata cost --from a folder prices it with the environment it was synthesized from, and refuses a flag that names another', async () => {
    const recorded = await runStrataInProcess(['cost', '--from', head]);
    const flagged = await runStrataInProcess(['cost', '--from', head, '--config', copy]);
    const total = (stdout: string) => /^total, both clouds: .*$/m.exec(stdout)?.[0];
    expect(total(recorded.stdout)).toBeDefined();
    expect(total(recorded.stdout)).toBe(total(flagged.stdout));
    expect(recorded.stdout).toMatch(/^strata cost: environment prod \(prod-doubled\.yaml \(as synthesized into .*head\)\)/m);
    // A total that is neither environment's is wrong: the flag is refused, naming the folder, the record and the flag.
    const contradicted = await runStrataInProcess(['cost', '--from', head, '--env', 'dev']);
    expect(contradicted.status).toBe(2);
    expect(contradicted.stdout).toBe('');
    expect(contradicted.stderr.split('\n')[0]).toMatch(
      /^strata cost: --from .*head was synthesized from prod-doubled\.yaml \(environment prod\), which differs from --env dev \(config\/environments\/dev\.yaml\) at name: "prod" recorded, "dev" given; drop the flag to price it as synthesized, or run `strata synth --env dev --outdir .*head`$/,
    );
    // The checked-in prod.yaml has the same name but not the same sizing: refused as well, at the first key that differs.
    expect((await runStrataInProcess(['cost', '--from', head, '--config', PROD])).stderr).toMatch(/which differs from --config config\/environments\/prod\.yaml at sizing\.databricks\.autoscale\.maxWorkers: 16 recorded, 8 given;/);
  });

  it('strata plan refuses a folder side whose record another environment contradicts: --env by name, --head-config by content', async () => {
    const env = await runStrataInProcess(['plan', '--base', base, '--head', head, '--env', 'dev']);
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/^strata plan: --base .*base was synthesized from prod\.yaml \(environment prod\), not --env dev; drop the flag/m);
    const config = await runStrataInProcess(['plan', '--base', base, '--head', head, '--head-config', PROD]);
    expect(config.status).toBe(2);
    expect(config.stderr).toMatch(/^strata plan: --head .*head was synthesized from prod-doubled\.yaml \(environment prod\), which differs from --head-config config\/environments\/prod\.yaml at sizing\.databricks\.autoscale\.maxWorkers/m);
  });

  it('strata plan between the two synths shows the cluster policy change and the cost delta', async () => {
    const out = join(scratch, 'plan.md');
    const result = await runStrataInProcess(['plan', '--base', base, '--head', head, '--base-config', PROD, '--head-config', copy, '--out', out]);
    expect(result.status).toBe(0);
    const markdown = readFileSync(out, 'utf8');
    expect(markdown.split('\n')[0]).toMatch(/Azure: 0 to add, 1 to change, 0 to replace, 0 to destroy · monthly cost: \+\$240\.24/);
    expect(markdown).toContain('- change `sizing` databricks_cluster_policy');
    expect(markdown).toContain('`definition."autoscale.max_workers".maxValue`: `8` -> `16`');
    expect(markdown).toContain('Nothing: no stateful resource is destroyed or replaced');
  });

  it('keeps the plan of the whole platform against an empty base within 60,000 characters', async () => {
    const out = join(scratch, 'plan-empty.md');
    const json = join(scratch, 'plan-empty.json');
    const result = await runStrataInProcess(['plan', '--base', empty, '--head', base, '--env', 'prod', '--out', out, '--json', json]);
    expect(result.status).toBe(0);
    const markdown = readFileSync(out, 'utf8');
    expect(markdown.length).toBeLessThanOrEqual(MAX_CHARS);
    expect(markdown).toContain('### Needs attention');
    const plan = JSON.parse(readFileSync(json, 'utf8'));
    expect(plan.counts.aws.destroy + plan.counts.azure.destroy).toBe(0);
    expect(plan.counts.aws.add).toBeGreaterThan(50);
  });
});
