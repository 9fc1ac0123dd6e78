import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';

export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'plan');
const VERSION = /\d+\.\d+\.\d+\+[0-9a-f]{12}/;

/**
 * Lays a fixture side out as `strata synth` would: cdk.out/ with a manifest
 * naming one stack (tagged with the version the template carries) and
 * cdktf.out/ with one stack, from `<case>/<side>.template.json` / `<side>[.<stack>].tf.json`.
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
  // `<side>.tf.json` is the workspace stack; `<side>.<stack>.tf.json` names its stack.
  const tf = readdirSync(join(FIXTURES, name)).find((file) => file === `${side}.tf.json` || (file.startsWith(`${side}.`) && file.endsWith('.tf.json')));
  if (tf) {
    const stack = tf === `${side}.tf.json` ? 'workspace' : tf.slice(side.length + 1, -'.tf.json'.length);
    mkdirSync(join(dir, 'cdktf.out', 'stacks', stack), { recursive: true });
    writeFileSync(join(dir, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), readFileSync(join(FIXTURES, name, tf), 'utf8'));
    writeFileSync(join(dir, 'cdktf.out', 'manifest.json'), JSON.stringify({ stacks: { [stack]: { synthesizedStackPath: `stacks/${stack}/cdk.tf.json` } } }));
  }
  return dir;
}
