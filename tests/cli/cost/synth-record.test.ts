import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { usageFor } from '../../../cli/cost/recorded-usage.ts';
import { loadUsage } from '../../../cli/cost/usage.ts';
import { readSynthRecord, SYNTH_RECORD, type SynthRecord } from '../../../cli/synthesized/folder-environment.ts';
import { runStrataInProcess } from '../../support/run-cli.ts';

const total = (stdout: string) => /^total, both clouds: .*$/m.exec(stdout)?.[0];

/** `strata synth --usage <a profile file>`, then the file edited: the folder is still priced with the profile as it read at synth time. */
describe('strata synth records the usage profile; cost --from and plan price the folder with it', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-synth-record-'));
  const profile = join(scratch, 'team-usage.json');
  const folder = join(scratch, 'dev');
  const original = readFileSync('config/usage/small.json');
  let record: SynthRecord;
  let recordedTotal: string | undefined;

  beforeAll(async () => {
    writeFileSync(profile, original);
    const synth = await runStrataInProcess(['synth', '--env', 'dev', '--outdir', folder, '--usage', profile]);
    expect(synth.status, synth.stderr).toBe(0);
    record = readSynthRecord(folder)!;
    recordedTotal = total((await runStrataInProcess(['cost', '--from', folder])).stdout);
    // Edited after the synth: more BI queries than the folder was recorded with.
    const edited = JSON.parse(original.toString('utf8'));
    edited.athena.biQueriesPerMonth *= 10;
    writeFileSync(profile, JSON.stringify(edited));
  }, 120_000);

  it('records the profile by file name, with the sha256 of its bytes and its resolved values, beside the environment', async () => {
    expect(record.environment.name).toBe('dev');
    expect(record.usage).toEqual({ name: 'team-usage.json', file: 'team-usage.json', sha256: createHash('sha256').update(original).digest('hex'), profile: loadUsage('small').profile });
    expect(readFileSync(join(folder, SYNTH_RECORD), 'utf8')).not.toContain(scratch);
  });

  it('prices cost --from with the recorded profile, not the file as it reads now', async () => {
    const result = await runStrataInProcess(['cost', '--from', folder]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/, usage team-usage\.json \(team-usage\.json \(as recorded in .*dev\)\)$/m);
    expect(total(result.stdout)).toBeDefined();
    expect(total(result.stdout)).toBe(recordedTotal);
    expect(total(result.stdout)).toBe(total((await runStrataInProcess(['cost', '--from', folder, '--usage', 'small'])).stdout));
  });

  it('prices with a --usage that differs from the record, as asked, warning in one line what it replaces', async () => {
    const result = await runStrataInProcess(['cost', '--from', folder, '--usage', profile]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.split('\n')).toContain(`warning: --from ${folder} was synthesized with usage team-usage.json (team-usage.json, sha256 ${record.usage!.sha256.slice(0, 12)}); pricing with --usage ${profile} as asked`);
    expect(total(result.stdout)).not.toBe(recordedTotal);
  });

  it('refuses cost --from a dev synth with --env prod, exit 2, naming the folder, the recorded environment and the flag', async () => {
    const result = await runStrataInProcess(['cost', '--from', folder, '--env', 'prod']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(
      `strata cost: --from ${folder} was synthesized from dev.yaml (environment dev), which differs from --env prod (config/environments/prod.yaml) at name: "dev" recorded, "prod" given; drop the flag to price it as synthesized, or run \`strata synth --env prod --outdir ${folder}\``,
    );
  });

  it('prices both sides of a plan with the one recorded profile, and refuses two folders recorded with different ones unless --usage names one', async () => {
    const other = join(scratch, 'dev-medium');
    cpSync(folder, other, { recursive: true });
    const medium = loadUsage('medium');
    writeFileSync(join(other, SYNTH_RECORD), JSON.stringify({ ...record, usage: { name: 'medium', file: 'config/usage/medium.json', sha256: medium.sha256, profile: medium.profile } }));
    expect((await runStrataInProcess(['plan', '--base', folder, '--head', folder])).stdout).toMatch(/monthly cost: \$0\.00 /);
    const refused = await runStrataInProcess(['plan', '--base', folder, '--head', other]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^strata plan: --base .*dev was synthesized with usage team-usage\.json \(team-usage\.json, sha256 [0-9a-f]{12}\), --head .*dev-medium with usage medium \(config\/usage\/medium\.json, sha256 [0-9a-f]{12}\); pass --usage to price both with one profile$/m);
    const chosen = await runStrataInProcess(['plan', '--base', folder, '--head', other, '--usage', 'medium']);
    expect(chosen.status, chosen.stderr).toBe(0);
    expect(chosen.stderr).toMatch(/^warning: --base .*dev was synthesized with usage team-usage\.json .*; pricing with --usage medium as asked$/m);
    expect(chosen.stderr).not.toMatch(/^warning: --head /m);
  });

  it('reads a bad --usage before synthesizing, so nothing is written', async () => {
    const out = join(scratch, 'never');
    const result = await runStrataInProcess(['synth', '--env', 'dev', '--outdir', out, '--usage', 'tiny']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^tiny: no such usage profile; use one of small, medium, large/m);
    expect(existsSync(out)).toBe(false);
  });
});

describe('which usage profile prices a set of folders', () => {
  const small = loadUsage('small');
  const recorded = { name: 'small', file: 'config/usage/small.json', sha256: small.sha256, profile: small.profile };
  const log = (line: string) => lines.push(line);
  let lines: string[] = [];

  it('is the default profile when no folder recorded one and no flag names one', async () => {
    expect(usageFor(undefined, [{ flag: '--from', spec: 'a' }], log).name).toBe('medium');
  });

  it('is the recorded one, validated, when every recording folder agrees', async () => {
    const usage = usageFor(undefined, [{ flag: '--base', spec: 'a', usage: recorded }, { flag: '--head', spec: 'b' }], log);
    expect(usage).toMatchObject({ name: 'small', file: 'config/usage/small.json (as recorded in a)', profile: small.profile });
  });

  it('refuses a recorded profile that no longer passes the schema, naming the record and the key', async () => {
    const broken = { ...recorded, profile: { ...small.profile, kms: { requestsPerMonth: -1 } } };
    expect(() => usageFor(undefined, [{ flag: '--from', spec: 'a', usage: broken }], log)).toThrow(/strata-synth\.json: usage\.profile: kms\.requestsPerMonth: must be a number >= 0/);
  });

  it('is the flag, silently when it says what the record says', async () => {
    lines = [];
    expect(usageFor('small', [{ flag: '--from', spec: 'a', usage: recorded }], log).name).toBe('small');
    expect(lines).toEqual([]);
  });
});
