import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { Environment } from '../../../config/schema.ts';
import { addPlatform, createAwsApp, type PlatformStacks } from '../../../stacks/aws/aws-app.ts';

export { TEST_VERSION } from '../../support/environments.ts';
import { TEST_VERSION } from '../../support/environments.ts';

export interface SynthesizedAws {
  readonly stacks: PlatformStacks;
  readonly templates: Record<keyof PlatformStacks, Template>;
  readonly outdir: string;
}

/**
 * Synthesizes the whole AWS app (cdk-nag included) into a temporary folder.
 * Without bundling by default: templates are the same, and esbuild costs
 * seconds per synth; the assembly's asset manifests then point at sources.
 */
export function synthAws(environment: Environment, options: { bundle?: boolean } = {}): SynthesizedAws {
  // One app per environment and bundling, shared by the test files of a worker (the suite runs
  // them in one module cache): tests read the synthesized app, and change only apps of their own.
  const key = JSON.stringify([environment, options.bundle ?? false]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const result = synthesizeApp(environment, options);
  synthesized.set(key, result);
  return result;
}

const synthesized = new Map<string, SynthesizedAws>();

function synthesizeApp(environment: Environment, options: { bundle?: boolean }): SynthesizedAws {
  const outdir = mkdtempSync(join(tmpdir(), 'strata-aws-'));
  const app = createAwsApp({ outdir, bundle: options.bundle ?? false });
  const stacks = addPlatform(app, environment, TEST_VERSION);
  app.synth();
  const templates = Object.fromEntries(Object.entries(stacks).map(([key, stack]) => [key, Template.fromStack(stack)])) as SynthesizedAws['templates'];
  return { stacks, templates, outdir };
}

/** The bucket whose name starts `strata-<env>-<purpose>-` (names carry the account and region after that). */
export function bucketFor(template: Template, environment: Environment, purpose: string): { logicalId: string; resource: Record<string, any> } {
  const prefix = `strata-${environment.name}-${purpose}-`;
  const matches = Object.entries(template.findResources('AWS::S3::Bucket')).filter(([, resource]) => JSON.stringify(resource.Properties.BucketName).includes(`"${prefix}"`));
  if (matches.length !== 1) throw new Error(`expected one bucket named ${prefix}*, found ${matches.length}`);
  const [logicalId, resource] = matches[0]!;
  return { logicalId, resource };
}
