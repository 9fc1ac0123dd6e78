import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_CLASSES } from '../../../config/schema.ts';
import { HANDLER_ACCESS } from '../../../pipelines/access.ts';
import { environmentNamed } from '../../support/environments.ts';
import { synthAws, type SynthesizedAws } from './synth-aws.ts';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

describe('access stack', () => {
  const prod = environmentNamed('prod');
  let aws: SynthesizedAws;
  beforeAll(() => {
    aws = synthAws(prod);
  });

  const roles = () => aws.templates.access.findResources('AWS::IAM::Role');
  const policies = () => aws.templates.access.findResources('AWS::IAM::ManagedPolicy');
  const roleByDescription = (fragment: string) => Object.values(roles()).find((role) => String(role.Properties.Description).includes(fragment))!;
  const statementsOf = (role: Record<string, any>): Statement[] =>
    (role.Properties.ManagedPolicyArns as Array<{ Ref: string }>).flatMap((arn) => policies()[arn.Ref]!.Properties.PolicyDocument.Statement as Statement[]);
  const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());
  const s3ObjectResources = (statements: Statement[]) =>
    statements.filter((statement) => actionsOf([statement]).some((action) => action === 's3:GetObject' || action === 's3:PutObject')).map((statement) => JSON.stringify(statement.Resource));

  it('has one Lambda role per handler class', () => {
    for (const handlerClass of HANDLER_CLASSES) {
      const role = roleByDescription(`prod ${handlerClass} handlers`);
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    }
  });

  it('lets ingest write raw and dataquality/rejected only, and read nothing but the landing prefix', () => {
    const statements = statementsOf(roleByDescription('prod ingest handlers'));
    const objects = s3ObjectResources(statements);
    expect(objects).toHaveLength(3);
    expect(objects.filter((resource) => resource.includes('strata-prod-raw-') && resource.includes('-eu-west-1/landing/*'))).toHaveLength(1);
    expect(objects.filter((resource) => resource.includes('strata-prod-raw-') && resource.includes('-eu-west-1/*'))).toHaveLength(1);
    expect(objects.filter((resource) => resource.includes('strata-prod-dataquality-') && resource.includes('-eu-west-1/rejected/*'))).toHaveLength(1);
    for (const layer of ['trusted', 'refined']) expect(JSON.stringify(statements)).not.toContain(`strata-prod-${layer}-`);
  });

  it('gives ingest no catalog or query access, since it only moves files', () => {
    const actions = actionsOf(statementsOf(roleByDescription('prod ingest handlers')));
    expect(actions.filter((action) => action.startsWith('glue:') || action.startsWith('athena:'))).toEqual([]);
  });

  it('grants each handler class exactly the layers pipelines/access.ts declares', () => {
    for (const handlerClass of HANDLER_CLASSES) {
      const text = JSON.stringify(statementsOf(roleByDescription(`prod ${handlerClass} handlers`)));
      const declared = new Set([...HANDLER_ACCESS[handlerClass].reads, ...HANDLER_ACCESS[handlerClass].writes].map((grant) => grant.layer));
      for (const layer of ['raw', 'trusted', 'refined', 'dataquality'] as const) {
        expect(text.includes(`strata-prod-${layer}-`), `${handlerClass} on ${layer}`).toBe(declared.has(layer));
      }
    }
  });

  it('lets the BI role read the refined layer and its catalog through the BI workgroup, and nothing else', () => {
    const bi = roleByDescription('BI: reads the refined layer');
    expect(bi.Properties.AssumeRolePolicyDocument.Statement[0].Principal.AWS).toBeDefined();
    const statements = statementsOf(bi);
    const text = JSON.stringify(statements);
    for (const layer of ['raw', 'trusted', 'dataquality']) {
      expect(text).not.toContain(`strata-prod-${layer}-`);
      expect(text).not.toContain(`strata_prod_${layer}`);
    }
    expect(text).toContain('strata_prod_refined');
    expect(actionsOf(statements).filter((action) => action === 's3:PutObject' || action === 's3:DeleteObject')).toHaveLength(2);
    const writes = statements.filter((statement) => actionsOf([statement]).includes('s3:PutObject'));
    expect(JSON.stringify(writes)).toContain('strata-prod-athena-results-');
    expect(JSON.stringify(writes)).toContain('/strata-prod-bi/*');
    expect(text).toContain(':workgroup/strata-prod-bi');
    expect(text).not.toMatch(/:workgroup\/strata-prod"/);
  });

  it('grants no wildcard action on any data service, in any stack', () => {
    const everyStatement = Object.values(aws.templates).flatMap((template) =>
      Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]),
    );
    expect(everyStatement.length).toBeGreaterThan(20);
    const wildcardActions = actionsOf(everyStatement).filter((action) => action.includes('*'));
    expect(wildcardActions).toEqual([]);
  });

  it('lets each handler class write only its own Lambda log groups', () => {
    for (const handlerClass of HANDLER_CLASSES) {
      const logs = statementsOf(roleByDescription(`prod ${handlerClass} handlers`)).filter((statement) => actionsOf([statement]).includes('logs:PutLogEvents'));
      expect(JSON.stringify(logs)).toContain(`:log-group:/aws/lambda/strata-prod-${handlerClass}-*`);
    }
  });
});
