import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BUNDLE_ENTRIES, bundledEntry, CLI_BUNDLE } from '../../bin/cache-folder.mjs';
import { bundleCacheOf, KEEP_OLD_BUNDLES_MS, loadCli } from '../../bin/load-cli.mjs';

type Loaded = { main: () => string; where: () => string };
const load = loadCli as (root: string) => Promise<Loaded>;

describe('the strata command loads its sources from a bundle of them', () => {
  let root: string;
  const mainTs = () => join(root, 'cli', 'main.ts');
  const writeMain = (answer: string, mtime: Date) => {
    writeFileSync(
      mainTs(),
      `import { fileURLToPath } from 'node:url';\nimport { answer } from '../config/answer.ts';\n` +
        `export const main = (): string => answer + ${JSON.stringify(answer)};\nexport const where = (): string => fileURLToPath(import.meta.url);\n`,
    );
    utimesSync(mainTs(), mtime, mtime);
  };
  const bundles = () => readdirSync(bundleCacheOf(root)).filter((name) => name.startsWith('cli-')).sort();

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-load-cli-'));
    mkdirSync(join(root, 'cli'));
    mkdirSync(join(root, 'config'));
    writeFileSync(join(root, 'config', 'answer.ts'), `export const answer: string = 'bundled:';\n`);
    writeMain('one', new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    // Loading a bundle marks this process as running from it; a later test file in the same worker (the handler
    // workers') would otherwise start its workers from this deleted bundle.
    delete (globalThis as Record<symbol, unknown>)[CLI_BUNDLE];
  });

  it('bundles the sources once and imports the bundle, where import.meta.url is still the source file', async () => {
    const loaded = await load(root);

    expect(loaded.main()).toBe('bundled:one');
    expect(loaded.where()).toBe(mainTs());
    const [bundle] = bundles();
    expect(bundles()).toHaveLength(1);
    expect((await import(pathToFileURL(join(bundleCacheOf(root), bundle!, 'main.js')).href)).main()).toBe('bundled:one');
    await load(root);
    expect(bundles()).toEqual([bundle]);
  });

  it('bundles the apps `strata synth` runs beside the CLI, when the checkout has them, and says where the running one is', async () => {
    expect(bundledEntry('aws-app')).toBeUndefined();
    await load(root);
    const bundle = join(bundleCacheOf(root), bundles()[0]!);
    expect(readdirSync(bundle).filter((name) => name.endsWith('-app.js'))).toEqual([]);

    for (const [name, cloud] of [['aws-app', 'aws'], ['azure-app', 'azure']] as const) {
      mkdirSync(join(root, BUNDLE_ENTRIES[name], '..'), { recursive: true });
      writeFileSync(join(root, BUNDLE_ENTRIES[name]), `import { answer } from '../../config/answer.ts';\nconsole.log(answer + ${JSON.stringify(cloud)});\n`);
    }
    await load(root);
    for (const [name, cloud] of [['aws-app', 'aws'], ['azure-app', 'azure']] as const) {
      const file = bundledEntry(name)!;
      expect(file.startsWith(bundleCacheOf(root)), file).toBe(true);
      expect(spawnSync(process.execPath, [file], { encoding: 'utf8' }).stdout).toBe(`bundled:${cloud}\n`);
    }
  });

  it('bundles again when a source file changes, with no build step', async () => {
    await load(root);
    writeMain('two', new Date('2026-01-02T00:00:00Z'));

    expect((await load(root)).main()).toBe('bundled:two');
    expect(bundles()).toHaveLength(2);
  });

  it('removes a bundle of other sources once no command has loaded it for KEEP_OLD_BUNDLES_MS, and keeps the newer ones', async () => {
    await load(root);
    const [first] = bundles();
    writeMain('two', new Date('2026-01-02T00:00:00Z'));
    await load(root);
    const [, second] = bundles().sort((a, b) => (a === first ? -1 : b === first ? 1 : 0));
    const old = new Date(Date.now() - KEEP_OLD_BUNDLES_MS - 60_000);
    utimesSync(join(bundleCacheOf(root), first!), old, old);
    writeMain('three', new Date('2026-01-03T00:00:00Z'));

    await load(root);

    expect(bundles()).not.toContain(first);
    expect(bundles()).toContain(second);
    expect(bundles()).toHaveLength(2);
  });

  it('marks the bundle it loads as used, so a command still running keeps it', async () => {
    await load(root);
    const [bundle] = bundles();
    const old = new Date(Date.now() - KEEP_OLD_BUNDLES_MS - 60_000);
    utimesSync(join(bundleCacheOf(root), bundle!), old, old);
    await load(root);
    writeMain('two', new Date('2026-01-02T00:00:00Z'));

    await load(root);

    expect(bundles()).toContain(bundle);
  });

  it('runs the sources through tsx, writing no bundle, when STRATA_NO_BUNDLE=1', async () => {
    process.env.STRATA_NO_BUNDLE = '1';
    try {
      writeMain('tsx', new Date('2026-01-04T00:00:00Z'));
      expect((await load(root)).main()).toBe('bundled:tsx');
    } finally {
      delete process.env.STRATA_NO_BUNDLE;
    }
    expect(readdirSync(root)).not.toContain('node_modules');
  });
});
