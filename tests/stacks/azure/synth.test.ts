import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthAzure } from '../../../stacks/azure/azure-app.ts';
import { TEST_VERSION } from './synth-helpers.ts';
import { environmentNamed } from '../../support/environments.ts';
import { readTree } from '../../support/run-cli.ts';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';

/** Every file under `dir`, as sorted relative paths. */
const filesUnder = (dir: string): string[] => [...readTree(dir).keys()].sort();
/** The synthesized text files (the function bundle is a zip, checked entry by entry below). */
const textFilesUnder = (dir: string): string[] => filesUnder(dir).filter((file) => !file.endsWith('.zip'));
/** The text of every entry of every zip under `dir`: what gets deployed. */
const zippedTexts = (dir: string): [string, string][] =>
  filesUnder(dir)
    .filter((file) => file.endsWith('.zip'))
    .flatMap((file) => Object.entries(unzipSync(readFileSync(join(dir, file)))).map(([entry, bytes]): [string, string] => [`${file}:${entry}`, new TextDecoder().decode(bytes)]));

describe('synthesizing the Azure app', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-azure-synth-'));
  const first = join(scratch, 'first');
  const second = join(scratch, 'second', 'nested'); // created recursively
  beforeAll(() => {
    for (const outdir of [first, second]) {
      for (const name of ['dev', 'prod'] as const) {
        synthAzure({ environment: environmentNamed(name), version: TEST_VERSION, outdir: join(outdir, name) });
      }
    }
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('writes a manifest, one Terraform JSON per stack and the function bundle as the pipelines stack\'s asset', () => {
    const files = filesUnder(join(first, 'prod'));
    expect(files.filter((file) => !file.endsWith('.zip'))).toEqual([
      'manifest.json',
      'stacks/pipelines/cdk.tf.json',
      'stacks/platform/cdk.tf.json',
      'stacks/workspace/cdk.tf.json',
    ]);
    expect(files.filter((file) => file.startsWith('stacks/') && file.endsWith('.zip'))).toEqual([
      expect.stringMatching(/^stacks\/pipelines\/assets\/[\w-]+\/[0-9A-Fa-f]{64}\/strata-functions\.zip$/),
    ]);
    const manifest = JSON.parse(readFileSync(join(first, 'prod', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks).sort()).toEqual(['pipelines', 'platform', 'workspace']);
    expect(manifest.stacks.workspace.dependencies).toEqual(['platform']);
    expect([...manifest.stacks.pipelines.dependencies].sort()).toEqual(['platform', 'workspace']);
  });

  it('is byte-identical across two synths into two directories, the bundle included', () => {
    const files = filesUnder(first);
    expect(filesUnder(second)).toEqual(files);
    for (const file of files) {
      expect(Buffer.compare(readFileSync(join(second, file)), readFileSync(join(first, file))), file).toBe(0);
    }
  });

  it('contains no absolute path and no stack trace, in the Terraform JSON or inside the bundle', () => {
    for (const file of textFilesUnder(first)) {
      const text = readFileSync(join(first, file), 'utf8');
      for (const needle of [REPO_ROOT, scratch, tmpdir(), '/tmp', '/home', '/Users', 'node_modules', '.ts:']) {
        expect(text, `${file} contains ${needle}`).not.toContain(needle);
      }
      // No JSON string starts like an absolute path (POSIX or Windows); "//" is cdktf's metadata key,
      // /Shared/ is a folder inside the Databricks workspace (the MLflow experiments), not on this machine.
      // /raw/blobs/landing/ is a blob path in the lake (the ingest flow's storage event trigger).
      expect(text, file).not.toMatch(/"(\/(?!\/"|Shared\/|raw\/blobs\/)|[A-Za-z]:\\)/);
      expect(text, file).not.toMatch(/"stacktrace"/i);
    }
    const bundled = zippedTexts(join(first, 'prod'));
    expect(bundled.length).toBeGreaterThan(0);
    for (const [entry, text] of bundled) {
      for (const needle of [REPO_ROOT, scratch]) expect(text, `${entry} contains ${needle}`).not.toContain(needle);
    }
  });

  it('contains no timestamp', () => {
    for (const file of textFilesUnder(first)) {
      expect(readFileSync(join(first, file), 'utf8'), file).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });
});

describe('the Azure synth entry point (stacks/azure/main.ts)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-azure-main-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'stacks/azure/main.ts', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, STRATA_VERSION: TEST_VERSION },
    });

  it('synthesizes the environment given by --config into --outdir, tagging STRATA_VERSION', () => {
    const outdir = join(scratch, 'out');
    const result = run('--config', 'config/environments/dev.yaml', '--outdir', outdir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(join(outdir, 'stacks', 'platform', 'cdk.tf.json'), 'utf8')).toContain(`"strata:version": "${TEST_VERSION}"`);
  });

  it('prints a config error to stderr and exits 1', () => {
    const bad = join(scratch, 'bad.yaml');
    writeFileSync(bad, 'name: dev\nsizing: { databricks: { autoscale: { maxWorkers: 0 } } }\n');
    const result = run('--config', bad, '--outdir', join(scratch, 'never'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('sizing.databricks.autoscale.maxWorkers = 0: must be an integer from 1 to 1000');
    expect(existsSync(join(scratch, 'never'))).toBe(false);
  });
});
