import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../../config/schema.ts';
import { HANDLERS } from '../../../pipelines/flows/index.ts';
import { MLFLOW_TRACKING_ACTIONS, TRACKING_SERVER_SIZE } from '../../../stacks/aws/constructs/mlflow-tracking.ts';
import { environmentNamed, environmentWith } from '../../support/environments.ts';
import { synthAws, type SynthesizedAws } from './synth-aws.ts';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };

function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const token = value as Record<string, any>;
  if ('Ref' in token) return `<Ref:${token.Ref}>`;
  if ('Fn::GetAtt' in token) return `<GetAtt:${[token['Fn::GetAtt']].flat().join('.')}>`;
  if ('Fn::ImportValue' in token) return `<Import:${flat(token['Fn::ImportValue'])}>`;
  if ('Fn::Join' in token) return (token['Fn::Join'][1] as unknown[]).map(flat).join(token['Fn::Join'][0]);
  throw new Error(`unexpected token: ${JSON.stringify(value)}`);
}

const resources = (template: Template, type: string) => Object.entries(template.findResources(type)) as Array<[string, Resource]>;
const functionsOf = (template: Template) => resources(template, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Environment?.Variables?.STRATA_HANDLER);
const policiesOf = (template: Template) =>
  resources(template, 'AWS::IAM::ManagedPolicy').map(([id, policy]) => ({ id, roles: ((policy.Properties.Roles ?? []) as unknown[]).map(flat), statements: policy.Properties.PolicyDocument.Statement as Statement[] }));
const actionsOf = (statement: Statement) => [statement.Action].flat();
const REFINED = 'strata-prod-refined-<Ref:AWS::AccountId>-eu-west-1';

function nagClean(aws: SynthesizedAws): void {
  const report = JSON.parse(readFileSync(join(aws.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
  expect(report.pluginReports).toEqual([]);
}

/** The role the MLflow resource writes its artifacts as: trusted by SageMaker, limited to refined/_ml/mlflow/ and the lake key. */
function expectArtifactStoreRole(template: Template, roleArn: unknown): void {
  const roleId = flat(roleArn).replace(/^<GetAtt:(.*)\.Arn>$/, '$1');
  const role = template.toJSON().Resources[roleId] as Resource;
  expect(role.Type).toBe('AWS::IAM::Role');
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
  ]);
  const policies = policiesOf(template).filter((policy) => policy.roles.includes(`<Ref:${roleId}>`));
  expect(policies).toHaveLength(1);
  const statements = policies[0]!.statements;
  for (const statement of statements) {
    for (const resource of [statement.Resource].flat().map(flat)) {
      if (actionsOf(statement).some((action) => action.startsWith('kms:'))) expect(resource).toMatch(/^<Import:strata-prod-storage:ExportsOutputFnGetAttLakeKey/);
      else expect([`arn:<Ref:AWS::Partition>:s3:::${REFINED}`, `arn:<Ref:AWS::Partition>:s3:::${REFINED}/_ml/mlflow/*`]).toContain(resource);
    }
  }
  expect(statements.find((statement) => statement.Sid === 'ListArtifacts')!.Condition).toEqual({ StringLike: { 's3:prefix': ['_ml/mlflow/*'] } });
  expect(statements.find((statement) => statement.Sid === 'LakeKeyThroughS3')!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
  expect(statements.flatMap(actionsOf).filter((action) => action.includes('*'))).toEqual([]);
}

/** Every pipeline function gets the ARN, and the ml handlers' role may track runs on it and nothing else. */
function expectTrackingGrant(template: Template, arn: string, actions: readonly string[]): void {
  const functions = functionsOf(template);
  expect(functions).toHaveLength(Object.keys(HANDLERS).length);
  for (const [, fn] of functions) expect(flat(fn.Properties.Environment.Variables.STRATA_MLFLOW_ARN)).toBe(arn);
  const tracking = policiesOf(template).filter((policy) => policy.statements.some((statement) => actionsOf(statement).some((action) => action.startsWith('sagemaker-mlflow:'))));
  expect(tracking).toHaveLength(1);
  expect(tracking[0]!.roles).toEqual(['strata-prod-ml-handler']);
  expect(tracking[0]!.statements).toHaveLength(1);
  expect(actionsOf(tracking[0]!.statements[0]!).sort()).toEqual([...actions].sort());
  expect([tracking[0]!.statements[0]!.Resource].flat().map(flat)).toEqual([arn]);
}

describe('MLflow tracking, sizing.mlflow.mode', () => {
  describe('off (dev)', () => {
    const dev = environmentNamed('dev');
    let aws: SynthesizedAws;
    beforeAll(() => {
      expect(dev.sizing.mlflow.mode).toBe('off');
      aws = synthAws(dev);
    });

    it('deploys no MLflow resource and gives functions no STRATA_MLFLOW_ARN: runs are tracked in the lake', () => {
      expect(resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowApp')).toEqual([]);
      expect(resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowTrackingServer')).toEqual([]);
      for (const [, fn] of functionsOf(aws.templates.pipelines)) expect(fn.Properties.Environment.Variables.STRATA_MLFLOW_ARN).toBeUndefined();
      const actions = policiesOf(aws.templates.pipelines).flatMap((policy) => policy.statements.flatMap(actionsOf));
      expect(actions.filter((action) => action.startsWith('sagemaker-mlflow:') || action === 'sagemaker:CallMlflowAppApi')).toEqual([]);
    });
  });

  describe('serverless (prod)', () => {
    const prod = environmentNamed('prod');
    let aws: SynthesizedAws;
    beforeAll(() => {
      expect(prod.sizing.mlflow.mode).toBe('serverless');
      aws = synthAws(prod);
    });

    it('deploys a SageMaker MLflow App with its artifact store in the refined bucket under _ml/mlflow/', () => {
      const apps = resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowApp');
      expect(apps).toHaveLength(1);
      const [, app] = apps[0]!;
      expect(app.Properties).toMatchObject({ Name: 'strata-prod', ModelRegistrationMode: 'AutoModelRegistrationDisabled' });
      expect(flat(app.Properties.ArtifactStoreUri)).toBe(`s3://${REFINED}/_ml/mlflow/`);
      expectArtifactStoreRole(aws.templates.pipelines, app.Properties.RoleArn);
      expect(resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowTrackingServer')).toEqual([]);
    });

    it('gives every function the App\'s ARN and the ml role the MLflow calls the handlers make, on that App only', () => {
      const [appId] = resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowApp')[0]!;
      expectTrackingGrant(aws.templates.pipelines, `<GetAtt:${appId}.Arn>`, ['sagemaker:CallMlflowAppApi', ...MLFLOW_TRACKING_ACTIONS]);
    });

    it('passes cdk-nag', () => nagClean(aws));
  });

  describe('server', () => {
    const server: Environment = environmentWith('prod', (document) => {
      document.sizing.mlflow.mode = 'server';
    });
    let aws: SynthesizedAws;
    beforeAll(() => {
      aws = synthAws(server);
    });

    it('deploys an always-on tracking server of the smallest size with the same artifact store', () => {
      const servers = resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowTrackingServer');
      expect(servers).toHaveLength(1);
      const [, trackingServer] = servers[0]!;
      expect(trackingServer.Properties).toMatchObject({ TrackingServerName: 'strata-prod', TrackingServerSize: TRACKING_SERVER_SIZE, AutomaticModelRegistration: false });
      expect(TRACKING_SERVER_SIZE).toBe('Small');
      expect(flat(trackingServer.Properties.ArtifactStoreUri)).toBe(`s3://${REFINED}/_ml/mlflow/`);
      expectArtifactStoreRole(aws.templates.pipelines, trackingServer.Properties.RoleArn);
      expect(resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowApp')).toEqual([]);
    });

    it('gives every function the server\'s ARN and the ml role the MLflow calls on that server only', () => {
      const [serverId] = resources(aws.templates.pipelines, 'AWS::SageMaker::MlflowTrackingServer')[0]!;
      expectTrackingGrant(aws.templates.pipelines, `<GetAtt:${serverId}.TrackingServerArn>`, MLFLOW_TRACKING_ACTIONS);
    });

    it('passes cdk-nag', () => nagClean(aws));
  });
});
