import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';

export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'plan');
const VERSION = /\d+\.\d+\.\d+\+[0-9a-f]{12}/;

/**
 * Lays a fixture side out as `strata synth` would: cdk.out/ with a manifest
 * naming one stack (tagged with the version the template carries) and
 * cdktf.out/ with one stack, from `<case>/<side>.template.json` / `.tf.json`.
 */
export function fixtureFolder(name: string, side: 'base' | 'head'): string {
  const dir = mkdtempSync(join(tmpdir(), `strata-plan-${name}-${side}-`));
  const template = join(FIXTURES, name, `${side}.template.json`);
  if (existsSync(template)) {
    const text = readFileSync(template, 'utf8');
    const tags = VERSION.test(text) ? { 'strata:version': VERSION.exec(text)![0], 'strata:environment': 'fx' } : { 'strata:environment': 'fx' };
    mkdirSync(join(dir, 'cdk.out'));
    writeFileSync(join(dir, 'cdk.out', 'strata-fx-stack.template.json'), text);
    writeFileSync(
      join(dir, 'cdk.out', 'manifest.json'),
      JSON.stringify({ version: '55.0.0', artifacts: { 'strata-fx-stack': { type: 'aws:cloudformation:stack', properties: { templateFile: 'strata-fx-stack.template.json', tags } } } }),
    );
  }
  const tf = join(FIXTURES, name, `${side}.tf.json`);
  if (existsSync(tf)) {
    mkdirSync(join(dir, 'cdktf.out', 'stacks', 'workspace'), { recursive: true });
    writeFileSync(join(dir, 'cdktf.out', 'stacks', 'workspace', 'cdk.tf.json'), readFileSync(tf, 'utf8'));
    writeFileSync(join(dir, 'cdktf.out', 'manifest.json'), JSON.stringify({ stacks: { workspace: { synthesizedStackPath: 'stacks/workspace/cdk.tf.json' } } }));
  }
  return dir;
}
