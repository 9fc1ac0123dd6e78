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
  /** Object-level S3 grants as `<bucket purpose>/<key pattern>` -> sorted actions. */
  const objectGrants = (statements: Statement[]): Record<string, string[]> => {
    const grants: Record<string, Set<string>> = {};
    for (const statement of statements) {
      const objectActions = actionsOf([statement]).filter((action) => /^s3:(Get|Put|Delete)Object$|^s3:AbortMultipartUpload$/.test(action));
      if (objectActions.length === 0) continue;
      for (const resource of [statement.Resource].flat()) {
        const parts = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
        const [, purpose] = /s3:::strata-prod-(.+)-$/.exec(String(parts[2]))!;
        const where = `${purpose}/${String(parts[4]).replace(/^-eu-west-1\//, '')}`;
        grants[where] ??= new Set();
        for (const action of objectActions) grants[where].add(action);
      }
    }
    return Object.fromEntries(Object.entries(grants).map(([where, actions]) => [where, [...actions].sort()]));
  };

  it('has one Lambda role per handler class', () => {
    for (const handlerClass of HANDLER_CLASSES) {
      const role = roleByDescription(`prod ${handlerClass} handlers`);
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    }
  });

  it('lets ingest read raw/landing/ and its own receipts, staged and rejects files, delete only under raw/landing/, write raw and dataquality/rejected/, and nothing else', () => {
    expect(objectGrants(statementsOf(roleByDescription('prod ingest handlers')))).toEqual({
      'raw/landing/*': ['s3:DeleteObject', 's3:GetObject'],
      'raw/received/*': ['s3:GetObject'],
      'raw/staged/*': ['s3:GetObject'],
      'raw/rejects/*': ['s3:GetObject'],
      'raw/*': ['s3:AbortMultipartUpload', 's3:PutObject'],
      'dataquality/rejected/*': ['s3:AbortMultipartUpload', 's3:PutObject'],
    });
  });

  it('lets transform replace trusted and refined partitions (reading what it replaces) but never delete from raw', () => {
    expect(objectGrants(statementsOf(roleByDescription('prod transform handlers')))).toEqual({
      'raw/*': ['s3:GetObject'],
      'trusted/*': ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      'refined/*': ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      'dataquality/quarantine/*': ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      'dataquality/_scratch/*': ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      'athena-results/strata-prod/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
    });
  });

  it('gives ingest no catalog or query access, since it only moves files', () => {
    const actions = actionsOf(statementsOf(roleByDescription('prod ingest handlers')));
    expect(actions.filter((action) => action.startsWith('glue:') || action.startsWith('athena:'))).toEqual([]);
  });

  it('grants each handler class object access to exactly the layers and prefixes pipelines/access.ts declares', () => {
    for (const handlerClass of HANDLER_CLASSES) {
      const access = HANDLER_ACCESS[handlerClass];
      const declared = [...access.reads, ...access.writes, ...access.deletes].map((grant) => `${grant.layer}/${grant.prefix ?? ''}*`);
      const granted = Object.keys(objectGrants(statementsOf(roleByDescription(`prod ${handlerClass} handlers`)))).filter((where) => !where.startsWith('athena-results/'));
      expect(granted.sort(), handlerClass).toEqual([...new Set(declared)].sort());
    }
  });

  /** Glue grants as `<resource after the account>` -> sorted actions, e.g. `table/strata_prod_trusted/*`. */
  const glueGrants = (statements: Statement[]): Record<string, string[]> => {
    const grants: Record<string, Set<string>> = {};
    for (const statement of statements) {
      const glueActions = actionsOf([statement]).filter((action) => action.startsWith('glue:'));
      if (glueActions.length === 0) continue;
      for (const resource of [statement.Resource].flat()) {
        const parts = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
        const where = String(parts.at(-1)).replace(/^:/, '');
        grants[where] ??= new Set();
        for (const action of glueActions) grants[where].add(action);
      }
    }
    return Object.fromEntries(Object.entries(grants).map(([where, actions]) => [where, [...actions].sort()]));
  };
  const PUBLISH = ['glue:GetTable', 'glue:GetPartitions', 'glue:BatchCreatePartition', 'glue:BatchUpdatePartition', 'glue:UpdatePartition', 'glue:BatchDeletePartition'];

  it('lets every class that runs Athena read the default database and the catalog, as Athena requires, with no table wildcard there', () => {
    for (const handlerClass of ['transform', 'quality', 'ml'] as const) {
      const grants = glueGrants(statementsOf(roleByDescription(`prod ${handlerClass} handlers`)));
      expect(grants['database/default'], handlerClass).toEqual(expect.arrayContaining(['glue:GetDatabase', 'glue:GetTable']));
      expect(grants.catalog, handlerClass).toEqual(expect.arrayContaining(['glue:GetDatabase', 'glue:GetTable']));
      expect(Object.keys(grants).filter((where) => where.startsWith('table/default')), handlerClass).toEqual([]);
    }
  });

  it('lets transform publish commits\' partitions in trusted, refined and dataquality, and ml in refined only', () => {
    const transform = glueGrants(statementsOf(roleByDescription('prod transform handlers')));
    for (const layer of ['trusted', 'refined', 'dataquality']) expect(transform[`table/strata_prod_${layer}/*`], layer).toEqual(expect.arrayContaining(PUBLISH));
    const ml = glueGrants(statementsOf(roleByDescription('prod ml handlers')));
    expect(ml['table/strata_prod_refined/*']).toEqual(expect.arrayContaining(PUBLISH));
    // (ml also writes dataquality/_scratch/, its session tables: the catalog grants follow the layers written.)
    for (const layer of ['raw', 'trusted']) expect(ml[`table/strata_prod_${layer}/*`] ?? [], layer).not.toContain('glue:BatchCreatePartition');
    // Transform reads the declared raw tables (staged files), and changes nothing there.
    expect(transform['table/strata_prod_raw/*']).toEqual(expect.arrayContaining(['glue:GetTable', 'glue:GetPartitions']));
    expect(transform['table/strata_prod_raw/*']).not.toContain('glue:BatchCreatePartition');
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
    expect(objectGrants(statements)).toEqual({
      'refined/*': ['s3:GetObject'],
      'athena-results/strata-prod-bi/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
    });
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
