import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSynthStepStart, REPO_ROOT } from '../../cli/synth-platform.ts';
import { readTree, runStrata, runStrataInProcess, type CliResult } from '../support/run-cli.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'strata-cli-'));

describe('strata synth', () => {
  let first: string;
  let second: string;
  let firstRun: CliResult;
  let secondRun: CliResult;
  beforeAll(() => {
    first = scratch();
    // A fixed version: the working tree may be dirty while developing, and both runs must agree anyway.
    const env = { STRATA_VERSION: '0.0.0+determinism' };
    firstRun = runStrata(['synth', '--env', 'prod', '--outdir', first], { env });
    // The second synth of the same environment, as a user tuning a copy runs it: --config and --outdir relative to
    // where it runs, into a folder that holds another environment's output; from the sources, not the CLI's bundle.
    const dir = scratch();
    second = join(dir, 'out');
    mkdirSync(join(second, 'cdk.out'), { recursive: true });
    writeFileSync(join(second, 'cdk.out', 'strata-dev-storage.template.json'), '{}');
    copyFileSync(join(REPO_ROOT, 'config', 'environments', 'prod.yaml'), join(dir, 'prod.yaml'));
    secondRun = runStrata(['synth', '--config', 'prod.yaml', '--outdir', 'out'], { cwd: dir, env: { ...env, STRATA_NO_BUNDLE: '1' } });
  });

  it('writes CloudFormation to cdk.out/ and Terraform JSON to cdktf.out/ and lists the stacks with resource counts', () => {
    expect(firstRun.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('warning: '))).toEqual([]);
    expect(firstRun.status).toBe(0);
    for (const stack of ['storage', 'catalog', 'analytics', 'access']) {
      expect(existsSync(join(first, 'cdk.out', `strata-prod-${stack}.template.json`))).toBe(true);
      expect(firstRun.stdout).toMatch(new RegExp(`strata-prod-${stack}\\s+\\d+ resources`));
    }
    for (const stack of ['platform', 'workspace']) {
      expect(existsSync(join(first, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'))).toBe(true);
      expect(firstRun.stdout).toMatch(new RegExp(`${stack}\\s+\\d+ resources`));
    }
    expect(firstRun.stdout).toContain('0 unacknowledged findings');
  });

  it('warns on stderr of what the stacks recorded as a warning: prod is private without a Databricks account id', () => {
    expect(firstRun.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^warning: Azure workspace: network\.publicAccess is false and network\.databricksAccountId is not set: the serverless SQL warehouses, .* cannot reach the private lake/),
    ]);
  });

  it('says what each cloud is doing as it goes: bundling, each stack built, writing, with the seconds since the start', () => {
    const progress = firstRun.stdout.split('\n').filter((line) => /^ +\d+\.\d s  (AWS|Azure) /.test(line));
    const said = (cloud: string, text: RegExp) => expect(progress.some((line) => line.includes(` ${cloud.padEnd(5)}  `) && text.test(line)), `${cloud} ${text}`).toBe(true);
    for (const stack of ['storage', 'catalog', 'analytics', 'access', 'pipelines']) said('AWS', new RegExp(`built stack strata-prod-${stack} in \\d+\\.\\d s$`));
    for (const stack of ['platform', 'workspace', 'pipelines']) said('Azure', new RegExp(`built stack ${stack} in \\d+\\.\\d s$`));
    said('AWS', /bundled \d+ Lambda handlers in/);
    said('AWS', /wrote the templates and checked them in/);
    said('Azure', /bundled the function app in/);
    said('Azure', /wrote the Terraform JSON in/);
    // plan passes on a git ref's steps as its worktree synth prints them: each start of a step and each cloud's end.
    const passedOn = firstRun.stdout.split('\n').filter(isSynthStepStart);
    expect(passedOn.filter((line) => line.endsWith('...'))).toHaveLength(4);
    expect(passedOn.filter((line) => / synthesized in \d+\.\d s$/.test(line))).toHaveLength(2);
    // Printed as the child writes them, not when it exits: the line saying the bundling starts is stamped at least
    // the bundling's own duration before the line saying it is done.
    const stamp = (text: RegExp) => Number(progress.find((line) => text.test(line))!.trim().split(' ')[0]);
    const bundlingTook = Number(/bundled the function app in (\d+\.\d) s/.exec(firstRun.stdout)![1]);
    expect(stamp(/Azure {2}bundling the function app/) + bundlingTook).toBeLessThanOrEqual(stamp(/Azure {2}bundled the function app in/) + 0.15);
  });

  it('produces byte-identical output on two consecutive runs, its apps run from the CLI\'s bundle and from their sources', () => {
    const a = readTree(first);
    const b = readTree(second);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [path, content] of a) expect(content.equals(b.get(path)!), path).toBe(true);
  });

  it('leaves no absolute path, home folder or call stack in any output file', () => {
    for (const [path, content] of readTree(first)) {
      const text = content.toString('utf8');
      for (const forbidden of [REPO_ROOT, first, tmpdir(), process.env.HOME ?? '/root']) expect(text.includes(forbidden), `${path} holds ${forbidden}`).toBe(false);
      expect(text, path).not.toMatch(/\.ts:\d+:\d+/);
    }
  });

  it('tags resources with the platform version it was given', () => {
    expect(readFileSync(join(first, 'cdk.out', 'strata-prod-storage.template.json'), 'utf8')).toContain('0.0.0+determinism');
    expect(readFileSync(join(first, 'cdktf.out', 'stacks', 'platform', 'cdk.tf.json'), 'utf8')).toContain('0.0.0+determinism');
  });

  it('replaces the output of a previous environment instead of mixing with it, with --config and --outdir relative to where it runs', () => {
    expect(secondRun.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('warning: '))).toEqual([]);
    expect(secondRun.status).toBe(0);
    const files = [...readTree(join(second, 'cdk.out')).keys()];
    expect(files).toContain('strata-prod-storage.template.json');
    expect(files.some((file) => file.includes('strata-dev-'))).toBe(false);
  });

  describe('with a copy of dev.yaml broken in one key', () => {
    const cases: Array<[string, string, string, string]> = [
      ['a negative number', 'accessLogExpireDays: 30', 'accessLogExpireDays: -30', 'storage.accessLogExpireDays = -30: must be an integer from 1 to 3650'],
      ['a wrong type', 'maxClusters: 1', 'maxClusters: many', 'sizing.databricks.sqlWarehouse.maxClusters = "many": must be an integer from 1 to 30'],
      ['an unknown value', 'engine: embedded', 'engine: tensorflow', 'sizing.training.engine = "tensorflow": must be one of: embedded, sagemaker, databricks, or per cloud { aws: embedded|sagemaker, azure: embedded|databricks }'],
      ['a misspelt key', 'autoTerminationMinutes: 15', 'autoTerminateMinutes: 15', 'sizing.databricks.autoTerminateMinutes = 15: unknown key'],
    ];

    // In this process: the config is refused before any synth, and a child process each costs more than that shows.
    it.each(cases)('refuses %s, names the key, and writes nothing', async (_case, good, bad, message) => {
      const dir = scratch();
      const file = join(dir, 'dev-broken.yaml');
      const original = readFileSync(join(REPO_ROOT, 'config', 'environments', 'dev.yaml'), 'utf8');
      expect(original).toContain(good);
      writeFileSync(file, original.replace(good, bad));
      const result = await runStrataInProcess(['synth', '--config', file, '--outdir', dir]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`${file}: ${message}`);
      expect(existsSync(join(dir, 'cdk.out'))).toBe(false);
      expect(existsSync(join(dir, 'cdktf.out'))).toBe(false);
    });
  });

  it.each([
    ['databricks', 'AWS', 'on AWS it must be embedded or sagemaker'],
    ['sagemaker', 'Azure', 'on Azure it must be embedded or databricks'],
  ])('refuses engine %s, which %s cannot run, in one line before either synth, and writes nothing', async (engine, cloud, allowed) => {
    const dir = scratch();
    const file = join(dir, 'one-engine.yaml');
    writeFileSync(file, `name: oneengine\nsizing:\n  training: { engine: ${engine} }\n`);
    const result = await runStrataInProcess(['synth', '--config', file, '--outdir', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`environment oneengine: sizing.training.engine is ${engine}, which ${cloud} cannot run; ${allowed}`);
    expect(existsSync(join(dir, 'cdk.out'))).toBe(false);
    expect(existsSync(join(dir, 'cdktf.out'))).toBe(false);
  });

  it('refuses a workload whose dataset file is broken, naming the file and the field, and leaves nothing behind (not even the staging folders the synths had begun)', () => {
    const dir = scratch();
    const root = join(dir, 'workloads');
    cpSync(join(REPO_ROOT, 'tests', 'fixtures', 'workloads', 'shop'), join(root, 'shop'), { recursive: true });
    const datasetFile = join(root, 'shop', 'datasets', 'stores.yaml');
    writeFileSync(datasetFile, readFileSync(datasetFile, 'utf8').replace('type: date', 'type: datetime'));
    writeFileSync(join(dir, 'shop.yaml'), 'name: shoptest\nworkloads: [ shop ]\n');
    const out = join(dir, 'out');
    const result = runStrata(['synth', '--config', join(dir, 'shop.yaml'), '--outdir', out], { env: { STRATA_WORKLOADS_DIR: root } });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `${datasetFile}: columns.2.type = "datetime": must be one of: string, int, bigint, double, decimal(12,2), timestamp, date, boolean`,
    ]);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('rejects an unknown flag with the usage line and exit code 2', async () => {
    const result = await runStrataInProcess(['synth', '--environment', 'prod']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown option --environment; did you mean --env?');
    expect(result.stderr).toContain('Usage: strata synth');
    expect(result.stderr).not.toContain('Options:');
  });

  it('rejects an unknown command, listing the ones that exist', async () => {
    const result = await runStrataInProcess(['deploy']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command "deploy"; commands: synth');
  });
});

describe('npx cdk synth -c env=prod', () => {
  it('synthesizes the same AWS stacks through the CDK CLI, offline', () => {
    const outdir = scratch();
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '-c', 'env=prod', '--no-notices', '-q', '-o', outdir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    expect(result.status, result.stderr).toBe(0);
    for (const stack of ['storage', 'catalog', 'analytics', 'access']) expect(existsSync(join(outdir, `strata-prod-${stack}.template.json`))).toBe(true);
  });
});
