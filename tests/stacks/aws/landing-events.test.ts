/**
 * Event-driven ingest on AWS: a file landing under raw's `landing/` starts the
 * ingest flow (S3 -> EventBridge -> Step Functions), the schedule only sweeps,
 * and a run takes what lands while it works: it lists landing again after each
 * pass, until a listing finds nothing (a run the new drop's event started
 * meanwhile was skipped by the one-run-at-a-time guard). The definitions are
 * the synthesized ones; the runs execute them in aws-local-stepfunctions with
 * scripted handlers (the handlers themselves are specified in tests/lambdas).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { flowsFromTemplate, type SynthesizedFlow } from '../../../cli/run/synthesized-flows.ts';
import { environmentNamed } from '../../support/environments.ts';
import { runScriptedFlow } from './run-scripted-flow.ts';
import { synthAws } from './synth-aws.ts';

type Resource = { Type: string; Properties: Record<string, any> };
const prod = environmentNamed('prod');

/** Runs the ingest flow with list-landing answering `listings` in turn; returns the drops unpacked and the listings made. */
async function runIngest(flow: SynthesizedFlow, listings: string[][]): Promise<{ unpacked: string[]; listed: number }> {
  const unpacked: string[] = [];
  let listed = 0;
  await runScriptedFlow(flow, {
    'list-landing': () => {
      const drops = listings[listed++] ?? [];
      return { drops: drops.map((landingKey, index) => ({ landingKey, ingestedAt: new Date(Date.UTC(2026, 11, 3, 9, 0, listed, index)).toISOString() })), deferred: 0 };
    },
    'unpack-file-drop': (input) => {
      unpacked.push(input.landingKey);
      return { status: 'ingested' };
    },
  });
  return { unpacked, listed };
}

describe('event-driven ingest on AWS (prod)', () => {
  let pipelines: Record<string, Resource>;
  let storage: Record<string, Resource>;
  let ingest: SynthesizedFlow;
  beforeAll(() => {
    const aws = synthAws(prod);
    const template = aws.templates.pipelines.toJSON() as { Resources: Record<string, Resource> };
    pipelines = template.Resources;
    storage = (aws.templates.storage.toJSON() as { Resources: Record<string, Resource> }).Resources;
    ingest = flowsFromTemplate(template as never, prod).find((flow) => flow.flow === 'ingest')!;
  });
  const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

  it('has the raw bucket, and only it, send its object events to EventBridge', () => {
    const buckets = ofType(storage, 'AWS::S3::Bucket').filter(([, bucket]) => JSON.stringify(bucket.Properties.BucketName ?? '').includes('strata-prod-'));
    const notifying = buckets.filter(([, bucket]) => bucket.Properties.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled === true);
    expect(notifying.map(([, bucket]) => JSON.stringify(bucket.Properties.BucketName))).toEqual([expect.stringContaining('strata-prod-raw-')]);
    // No custom resource sets it (s3.Bucket's eventBridgeEnabled would add a Lambda for that).
    expect(ofType(storage, 'Custom::S3BucketNotifications')).toEqual([]);
  });

  it('starts the ingest flow, and no other, on Object Created under landing/ of the raw bucket', () => {
    const rules = ofType(pipelines, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ 'Fn::Join': ['', ['strata-prod-raw-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] }] }, object: { key: [{ prefix: 'landing/' }] } },
    });
    const [machineId] = ofType(pipelines, 'AWS::StepFunctions::StateMachine').find(([, machine]) => machine.Properties.StateMachineName === 'strata-prod-ingest-flow')!;
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ Ref: machineId });
    // A start EventBridge gives up on is kept in the dead-letter queue; the sweep still takes the drop.
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^DeadLetters/);
    // The role may start this state machine and nothing else.
    const roleId = target.RoleArn['Fn::GetAtt'][0];
    const statements = ofType(pipelines, 'AWS::IAM::ManagedPolicy')
      .filter(([, policy]) => (policy.Properties.Roles ?? []).some((role: { Ref?: string }) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Effect: 'Allow' })]);
    expect(JSON.stringify(statements[0].Resource)).toContain(':stateMachine:strata-prod-ingest-flow');
    expect(ofType(pipelines, 'AWS::IAM::Policy').filter(([, policy]) => (policy.Properties.Roles ?? []).some((role: { Ref?: string }) => role.Ref === roleId))).toEqual([]);
  });

  it('lets EventBridge use the key of the dead-letter queue for this rule only', () => {
    const [, key] = ofType(pipelines, 'AWS::KMS::Key')[0]!;
    const forEvents = key.Properties.KeyPolicy.Statement.filter((statement: any) => statement.Principal?.Service === 'events.amazonaws.com');
    expect(forEvents).toHaveLength(1);
    expect(forEvents[0].Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(JSON.stringify(forEvents[0].Condition.ArnEquals['aws:SourceArn'])).toContain(':rule/strata-prod-ingest-flow-on-landing');
  });

  it('still sweeps on schedules.ingestSweep', () => {
    const schedules = ofType(pipelines, 'AWS::Scheduler::Schedule').filter(([, schedule]) => schedule.Properties.Name === 'strata-prod-ingest-flow');
    expect(schedules.map(([, schedule]) => schedule.Properties.ScheduleExpression)).toEqual([prod.schedules.ingestSweep]);
  });

  it('takes in the same run what lands while it unpacks: it lists again until a listing finds nothing', async () => {
    await expect(runIngest(ingest, [['landing/a.zip'], ['landing/b.csv', 'landing/c.csv'], []])).resolves.toEqual({
      unpacked: ['landing/a.zip', 'landing/b.csv', 'landing/c.csv'],
      listed: 3,
    });
  });

  it('stops after 3 passes even while drops keep landing, leaving the rest to the next run (no run held to its timeout, no history past its limit)', async () => {
    const endless = Array.from({ length: 10 }, (_, pass) => [`landing/drop-${pass}.csv`]);
    await expect(runIngest(ingest, endless)).resolves.toEqual({ unpacked: ['landing/drop-0.csv', 'landing/drop-1.csv', 'landing/drop-2.csv'], listed: 3 });
  });

  it('ends after one listing when landing is empty (a sweep with nothing to do)', async () => {
    await expect(runIngest(ingest, [[]])).resolves.toEqual({ unpacked: [], listed: 1 });
  });
});
