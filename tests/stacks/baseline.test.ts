/**
 * Baselines of what deploys: the synthesized platform of each checked-in environment, one file per cloud and
 * stack under tests/stacks/baselines/<environment>/, committed so that a pull request changing any resource
 * shows the change in review, line by line. Content hashes (assets, bundles) are normalised: a code change
 * shows in `strata plan` as "code changed", not here. After an intended change, rewrite them with
 * `npx vitest run tests/stacks/baseline.test.ts -u` and commit them with the change; CI never writes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { buildAzureApp } from '../../stacks/azure/azure-app.ts';
import { environmentNamed, TEST_VERSION } from '../support/environments.ts';
import { synthAws } from './aws/synth-aws.ts';

const BASELINES = join(import.meta.dirname, 'baselines');

/** Pretty JSON with every SHA-256 (hex) and its base64 form replaced, so only what deploys differs. */
export function normalised(document: unknown): string {
  return `${JSON.stringify(document, null, 2)
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replace(/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g, '<sha256-base64>')}\n`;
}

function azureStacks(name: 'dev' | 'prod'): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), 'strata-baseline-'));
  try {
    const { platform, workspace, pipelines } = buildAzureApp({ environment: environmentNamed(name), version: TEST_VERSION, outdir });
    return Object.fromEntries(Object.entries({ platform, workspace, pipelines }).map(([stack, built]) => [stack, JSON.parse(Testing.synth(built, true))]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe.each(['dev', 'prod'] as const)('the %s platform', (name) => {
  it('matches its committed AWS baselines, stack by stack', async () => {
    const { stacks, templates } = synthAws(environmentNamed(name));
    for (const [key, template] of Object.entries(templates)) {
      await expect(normalised(template.toJSON())).toMatchFileSnapshot(join(BASELINES, name, 'aws', `${stacks[key as keyof typeof stacks].stackName}.json`));
    }
  });

  it('matches its committed Azure baselines, stack by stack', async () => {
    for (const [stack, document] of Object.entries(azureStacks(name))) {
      await expect(normalised(document)).toMatchFileSnapshot(join(BASELINES, name, 'azure', `${stack}.json`));
    }
  });
});

describe('the normalisation', () => {
  it('hides content hashes and nothing else', () => {
    const hex = 'a'.repeat(64);
    const base64 = `${'A'.repeat(42)}b=`;
    expect(normalised({ key: `${hex}.zip`, hash: base64, name: 'strata-dev-raw', short: 'abc123' })).toBe(
      '{\n  "key": "<sha256>.zip",\n  "hash": "<sha256-base64>",\n  "name": "strata-dev-raw",\n  "short": "abc123"\n}\n',
    );
  });
});
