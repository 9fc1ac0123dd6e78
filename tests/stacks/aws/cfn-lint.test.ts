import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  it('finds nothing in the prod templates, linted for the environment\'s region', async () => {
    const environment = environmentNamed('prod');
    const templates = templatesIn(synthAws(environment).outdir);
    expect(templates).toHaveLength(5);
    expect((await cfnLint(templates, environment.aws.region)).map(describeMatch)).toEqual([]);
  });

  // One cfn-lint run (its start is seconds) for the dev templates and a broken copy of one: the check can fail.
  it('finds nothing in the dev templates, and fails a copy with a misspelt property and a dangling reference', async () => {
    const environment = environmentNamed('dev');
    const templates = templatesIn(synthAws(environment).outdir);
    expect(templates).toHaveLength(5);
    const storage = templates.find((path) => path.endsWith('-storage.template.json'))!;
    const template = JSON.parse(readFileSync(storage, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const [bucketId, bucket] = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::S3::Bucket')!;
    bucket.Properties.VersioningConfig = { Status: 'Enabled' };
    bucket.Properties.BucketName = { Ref: 'NoSuchParameter' };
    const broken = join(mkdtempSync(join(tmpdir(), 'strata-cfn-lint-')), 'broken-storage.template.json');
    outdirs.push(dirname(broken));
    writeFileSync(broken, JSON.stringify(template));

    const matches = await cfnLint([...templates, broken], environment.aws.region);
    expect(matches.filter((match) => match.Filename !== broken).map(describeMatch)).toEqual([]);
    const rules = matches.filter((match) => match.Filename === broken).map((match) => `${match.Rule.Id} ${match.Location.Path.slice(0, 3).join('/')}`);
    expect(rules).toEqual(expect.arrayContaining([`E3002 Resources/${bucketId}/Properties`, `E1020 Resources/${bucketId}/Properties`]));
  });
});
