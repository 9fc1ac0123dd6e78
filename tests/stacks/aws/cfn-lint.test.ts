import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cfnLint, describeMatch } from '../../support/cfn-lint.ts';
import { environmentNamed } from '../../support/environments.ts';
import { synthAws } from './synth-aws.ts';

const scratch: string[] = [];
afterAll(() => {
  for (const folder of scratch) rmSync(folder, { recursive: true, force: true });
});

const templatesIn = (outdir: string): string[] =>
  readdirSync(outdir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => join(outdir, name));

describe('cfn-lint on the synthesized templates (.cfnlintrc.yaml)', () => {
  // One cfn-lint run (its start is seconds) for dev, prod and a broken copy of one template: the check can fail.
  it('finds nothing in the dev and prod templates, linted for their region, and fails a copy with a misspelt property and a dangling reference', async () => {
    const [dev, prod] = [environmentNamed('dev'), environmentNamed('prod')];
    expect(prod.aws.region).toBe(dev.aws.region);
    const templates = [dev, prod].flatMap((environment) => copiesOf(templatesIn(synthAws(environment).outdir), environment.name));
    expect(templates).toHaveLength(10);
    const storage = templates.find((path) => path.endsWith('dev-strata-dev-storage.template.json'))!;
    const template = JSON.parse(readFileSync(storage, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const [bucketId, bucket] = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::S3::Bucket')!;
    bucket.Properties.VersioningConfig = { Status: 'Enabled' };
    bucket.Properties.BucketName = { Ref: 'NoSuchParameter' };
    const broken = join(dirname(storage), 'broken-storage.template.json');
    writeFileSync(broken, JSON.stringify(template));

    const matches = await cfnLint([...templates, broken], dev.aws.region);
    expect(matches.filter((match) => match.Filename !== broken).map(describeMatch)).toEqual([]);
    const rules = matches.filter((match) => match.Filename === broken).map((match) => `${match.Rule.Id} ${match.Location.Path.slice(0, 3).join('/')}`);
    expect(rules).toEqual(expect.arrayContaining([`E3002 Resources/${bucketId}/Properties`, `E1020 Resources/${bucketId}/Properties`]));
  });
});

/** Copies of the templates in a folder of this test's own (the synthesized app is shared with other tests). */
function copiesOf(templates: string[], prefix: string): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'strata-cfn-lint-'));
  scratch.push(folder);
  return templates.map((path) => {
    const copy = join(folder, `${prefix}-${basename(path)}`);
    copyFileSync(path, copy);
    return copy;
  });
}
