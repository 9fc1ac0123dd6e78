/**
 * The example output of `strata synth` in docs/deploy.md lists the stacks the dev platform synthesizes, with
 * their resource counts as the committed baselines hold them (tests/stacks/baseline.test.ts keeps those equal
 * to the synthesized output), so the example cannot drift from the code unnoticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/synth-platform.ts';

const BASELINES = join(REPO_ROOT, 'tests', 'stacks', 'baselines', 'dev');
const example = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');

function countsIn(cloud: 'aws' | 'azure'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const file of readdirSync(join(BASELINES, cloud)).sort()) {
    const document = JSON.parse(readFileSync(join(BASELINES, cloud, file), 'utf8')) as { Resources?: object; resource?: Record<string, object> };
    const resources = cloud === 'aws' ? Object.keys(document.Resources ?? {}).length : Object.values(document.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
    counts.set(file.replace(/\.json$/, ''), resources);
  }
  return counts;
}

describe('the strata synth example in docs/deploy.md', () => {
  it.each(['aws', 'azure'] as const)('lists every %s stack of the dev platform with its resource count', (cloud) => {
    const counts = countsIn(cloud);
    expect(counts.size).toBeGreaterThan(2);
    for (const [stack, resources] of counts) expect(example, stack).toMatch(new RegExp(`\\n  ${stack}\\s+${resources} resources\\n`));
  });
});
