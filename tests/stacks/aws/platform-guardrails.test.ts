import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Stack as CdkStack, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { addPlatform, createAwsApp } from '../../../stacks/aws/aws-app.ts';
import { environmentNamed } from '../../support/environments.ts';
import { synthAws, TEST_VERSION, type SynthesizedAws } from './synth-aws.ts';

/** CloudFormation types that take no tags; every other resource must carry the platform tags. */
const UNTAGGABLE_TYPES = new Set([
  'AWS::S3::BucketPolicy',
  'AWS::KMS::Alias',
  'AWS::IAM::ManagedPolicy',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Glue::SecurityConfiguration',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Scheduler::Schedule',
  'AWS::Lambda::EventInvokeConfig',
]);

describe('platform guardrails on AWS', () => {
  const prod = environmentNamed('prod');
  let aws: SynthesizedAws;
  beforeAll(() => {
    // Bundled, as `strata synth` does: the assembly checked here is the one that deploys.
    aws = synthAws(prod, { bundle: true });
  });

  it('tags every taggable resource with the platform version and the environment', () => {
    for (const template of Object.values(aws.templates)) {
      for (const [logicalId, resource] of Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>)) {
        if (UNTAGGABLE_TYPES.has(resource.Type)) continue;
        const tags = resource.Properties.Tags;
        const asMap: Record<string, string> = Array.isArray(tags) ? Object.fromEntries(tags.map((tag: { Key: string; Value: string }) => [tag.Key, tag.Value])) : tags;
        expect(asMap, `${logicalId} (${resource.Type})`).toMatchObject({ 'strata:version': TEST_VERSION, 'strata:environment': 'prod' });
      }
    }
  });

  it('passes the AwsSolutions, Serverless and NIST 800-53 R5 packs with no unacknowledged finding', () => {
    const report = JSON.parse(readFileSync(join(aws.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('synthesizes without a warning a deployer would have to read: each is fixed or acknowledged with its reason', () => {
    for (const stack of Object.values(aws.stacks)) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((warning) => `${warning.id}: ${String(warning.entry.data)}`), stack.stackName).toEqual([]);
    }
  });

  // Prod's schema conformance (built-in validation, errors fatal) is specified with the SageMaker variants it
  // must hold for, in retrain-sagemaker.test.ts: one synth with validation instead of two.

  it.each([
    [true, 'rejects'],
    [false, 'skips, to keep synth fast,'],
  ])('with cloudFormationSchemaValidation %s, %s a property CloudFormation does not know', (schemaValidation) => {
    const app = createAwsApp({ outdir: join(aws.outdir, `schema-${schemaValidation}`), cloudFormationSchemaValidation: schemaValidation });
    const key = new kms.Key(new CdkStack(app, 'One'), 'Key');
    (key.node.defaultChild as CfnResource).addPropertyOverride('NotAKeyProperty', true);
    if (schemaValidation) expect(() => app.synth()).toThrow(/NotAKeyProperty/);
    else expect(() => app.synth()).not.toThrow();
  });

  it('fails synth when a resource breaks a cdk-nag rule, so the packs really run', () => {
    const app = createAwsApp({ outdir: join(aws.outdir, 'broken') });
    const stacks = addPlatform(app, prod, TEST_VERSION);
    new s3.Bucket(stacks.storage, 'Unencrypted', { enforceSSL: false });
    new lambda.Function(stacks.storage, 'Untraced', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    for (const pack of ['(AwsSolutions)', '(NIST.800.53.R5)', '(Serverless)']) expect(message).toContain(pack);
    expect(message).toContain('Unencrypted');
  });

  it('gives every acknowledgement a reason and names the exact finding, never a whole rule of IAM5', () => {
    const acknowledgements = acknowledgementsIn(aws.outdir);
    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const { id, reason } of acknowledgements) {
      expect(reason.length, id).toBeGreaterThan(30);
      if (id.includes('IAM5')) expect(id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
    }
  });

  it('acknowledges on the narrowest construct: resources and policies, never a stack or the app', () => {
    for (const { path } of acknowledgementsIn(aws.outdir)) expect(path.split('/').length, path).toBeGreaterThanOrEqual(3);
  });

  it('keeps this machine\'s paths and call stacks out of the cloud assembly', () => {
    for (const file of readdirSync(aws.outdir).filter((name) => name.endsWith('.json'))) {
      const text = readFileSync(join(aws.outdir, file), 'utf8');
      expect(text, file).not.toContain(process.cwd());
      expect(text, file).not.toMatch(/\.ts:\d+:\d+/);
    }
  });

  it('places every stack in the configured region', () => {
    for (const stack of Object.values(aws.stacks) as Stack[]) expect(stack.region).toBe(prod.aws.region);
  });

});

function acknowledgementsIn(outdir: string): Array<{ path: string; id: string; reason: string }> {
  const found: Array<{ path: string; id: string; reason: string }> = [];
  for (const file of readdirSync(outdir).filter((name) => name.endsWith('.metadata.json'))) {
    const metadata = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Record<string, Array<{ type: string; data: Record<string, string> }>>;
    for (const [path, entries] of Object.entries(metadata)) {
      for (const entry of entries.filter((candidate) => candidate.type === 'aws:cdk:acknowledged-rules')) {
        for (const [id, reason] of Object.entries(entry.data)) found.push({ path, id, reason });
      }
    }
  }
  return found;
}
