import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HANDLERS, type HandlerName } from '../../../pipelines/flows/index.ts';
import { PipelineFunction } from '../../../stacks/aws/constructs/pipeline-function.ts';
import { LAMBDA_BUNDLE_FILE, lambdaBundleOf } from '../../../stacks/aws/lambda-bundles.ts';
import { workloadFilesInSourceTree } from '../../support/catalog.ts';

const SIZING = { memoryMb: 256, timeoutSeconds: 60, architecture: 'arm64' } as const;

/** A stack holding the PipelineFunctions of the handlers given; bundled unless told not to. */
function stackWith(handlers: HandlerName[], options: { bundle: boolean }): { stack: Stack; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'strata-bundles-'));
  const app = new App({ outdir, context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Functions');
  const key = new kms.Key(stack, 'Key');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  for (const handler of handlers) {
    new PipelineFunction(stack, handler, { handler, functionName: `fn-${handler}`, description: handler, role, sizing: SIZING, key, logRetention: logs.RetentionDays.ONE_WEEK, environment: {} });
  }
  app.synth();
  return { stack, outdir };
}

const assetKeysOf = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.Code.S3Key as string);

describe('Lambda bundles', () => {
  it.each(Object.keys(HANDLERS) as HandlerName[])('builds %s as ESM exporting handler, every workload dataset file and SQL model beside it', (handler) => {
    const folder = lambdaBundleOf(handler);
    const code = readFileSync(join(folder, LAMBDA_BUNDLE_FILE), 'utf8');
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
    const files = workloadFilesInSourceTree();
    expect(files.some((file) => file.endsWith('.yaml')) && files.some((file) => file.endsWith('.sql'))).toBe(true);
    for (const file of files) expect(readFileSync(join(folder, file), 'utf8'), file).toBe(readFileSync(join(REPO_ROOT, 'workloads', file), 'utf8'));
  });

  it('gives each function its own handler\'s code: one asset per handler, staged from the shared build', () => {
    const { stack, outdir } = stackWith(['list-landing', 'build-trusted'], { bundle: true });
    const keys = assetKeysOf(stack);
    expect(new Set(keys).size).toBe(2);
    for (const key of keys) expect(existsSync(join(outdir, `asset.${key.replace('.zip', '')}`, LAMBDA_BUNDLE_FILE))).toBe(true);
    const staged = keys.map((key) => readFileSync(join(outdir, `asset.${key.replace('.zip', '')}`, LAMBDA_BUNDLE_FILE)));
    expect(staged[0]!.equals(readFileSync(join(lambdaBundleOf('list-landing'), LAMBDA_BUNDLE_FILE)))).toBe(true);
  });

  it('stages nothing when CDK is told not to bundle the stack (the tests\' fast synths)', () => {
    const { stack, outdir } = stackWith(['list-landing', 'build-trusted'], { bundle: false });
    expect(new Set(assetKeysOf(stack)).size).toBe(2);
    expect(readdirSync(outdir).filter((name) => name.startsWith('asset.'))).toEqual([]);
  });
});
