import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cfnLint, describeMatch } from '../../support/cfn-lint.ts';
import { environmentNamed } from '../../support/environments.ts';
import { synthAws } from './synth-aws.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

const templatesIn = (outdir: string): string[] =>
  (outdirs.push(outdir), readdirSync(outdir))
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => join(outdir, name));

describe('cfn-lint on the synthesized templates (.cfnlintrc.yaml)', () => {
  for (const name of ['dev', 'prod'] as const) {
    it(`finds nothing in the ${name} templates, linted for the environment's region`, { timeout: 120_000 }, async () => {
      const environment = environmentNamed(name);
      const templates = templatesIn(synthAws(environment).outdir);
      expect(templates).toHaveLength(5);
      expect((await cfnLint(templates, environment.aws.region)).map(describeMatch)).toEqual([]);
    });
  }

  it('fails a template with a misspelt property and a dangling reference: the check can fail', { timeout: 120_000 }, async () => {
    const environment = environmentNamed('dev');
    const [storage] = templatesIn(synthAws(environment).outdir).filter((path) => path.endsWith('-storage.template.json'));
    const template = JSON.parse(readFileSync(storage!, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const [bucketId, bucket] = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::S3::Bucket')!;
    bucket.Properties.VersioningConfig = { Status: 'Enabled' };
    bucket.Properties.BucketName = { Ref: 'NoSuchParameter' };
    writeFileSync(storage!, JSON.stringify(template));

    const rules = (await cfnLint([storage!], environment.aws.region)).map((match) => `${match.Rule.Id} ${match.Location.Path.slice(0, 3).join('/')}`);
    expect(rules).toEqual(expect.arrayContaining([`E3002 Resources/${bucketId}/Properties`, `E1020 Resources/${bucketId}/Properties`]));
  });
});
