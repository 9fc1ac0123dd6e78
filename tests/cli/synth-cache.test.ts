import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../config/load-environment.ts';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { definitionSources, loadSynthesizedFlows, synthCacheFolder, synthCacheKey } from '../../cli/run/synthesized-flows.ts';
import { platformVersion } from '../../stacks/shared/platform-version.ts';

const work = mkdtempSync(join(tmpdir(), 'strata-synth-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const environment = loadEnvironment({ env: 'dev' }).environment;
const version = platformVersion();

describe('the synthesized state machines cache', () => {
  it('is kept in the checkout (no lake is part of its path or its key), so every lake reuses it', () => {
    expect(synthCacheFolder('/checkout')).toBe(join('/checkout', 'node_modules', '.cache', 'strata', 'synth'));
  });

  it('synthesizes once, then reuses the same flows from <cache>/<key>.json', async () => {
    const cache = join(work, 'cache');
    const first = await loadSynthesizedFlows(environment, version, { cache });
    expect(first.hit).toBe(false);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(first.templateSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(cache)).toEqual([`${first.key}.json`]);

    const second = await loadSynthesizedFlows(environment, version, { cache });
    expect(second.hit).toBe(true);
    expect(second).toEqual({ ...first, hit: true });
    expect(second.flows.map((flow) => flow.flow)).toEqual(['ingest', 'process', 'retrain']);
    for (const flow of second.flows) {
      expect(flow.taskTargets).toBeInstanceOf(Map);
      expect(flow.templateSha256).toMatch(/^[0-9a-f]{64}$/);
    }

    // A different environment is a different key: synthesized again, cached beside.
    const changed: typeof environment = { ...environment, retention: { ...environment.retention, logRetentionDays: environment.retention.logRetentionDays === 14 ? 30 : 14 } };
    expect(synthCacheKey(changed, version)).not.toBe(first.key);
    const third = await loadSynthesizedFlows(changed, version, { cache });
    expect(third.hit).toBe(false);
    expect(readdirSync(cache).sort()).toEqual([`${first.key}.json`, `${third.key}.json`].sort());
  }, 120_000);

  it('keys on the platform version and on the contents (not the times) of the sources that shape the ASL', () => {
    const root = join(work, 'repo');
    for (const file of definitionSources()) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      cpSync(join(REPO_ROOT, file), join(root, file), { preserveTimestamps: true });
    }
    const key = synthCacheKey(environment, version, root);
    expect(synthCacheKey(environment, version, root)).toBe(key);
    expect(synthCacheKey(environment, `${version}-next`, root)).not.toBe(key);
    expect(definitionSources(root)).toEqual(expect.arrayContaining(['pipelines/flows/process.ts', 'stacks/aws/constructs/pipeline-flow.ts', 'package-lock.json']));

    const flow = join(root, 'pipelines', 'flows', 'process.ts');
    // Touched, same content: the same key.
    cpSync(join(REPO_ROOT, 'pipelines', 'flows', 'process.ts'), flow);
    expect(synthCacheKey(environment, version, root)).toBe(key);
    writeFileSync(flow, '// changed\n', { flag: 'a' });
    expect(synthCacheKey(environment, version, root)).not.toBe(key);
    // A new flow file counts too.
    cpSync(join(REPO_ROOT, 'pipelines', 'flows', 'process.ts'), flow);
    writeFileSync(join(root, 'pipelines', 'flows', 'extra.ts'), 'export {};\n');
    expect(synthCacheKey(environment, version, root)).not.toBe(key);
    expect(existsSync(join(root, 'pipelines', 'flows', 'extra.ts'))).toBe(true);
  });
});
