import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../../config/load-environment.ts';
import { costContext } from '../../../cli/cost/cost.ts';
import { renderMarkdown } from '../../../cli/plan/markdown.ts';
import type { Plan } from '../../../cli/plan/model.ts';
import { buildPlan } from '../../../cli/plan/plan.ts';
import { readSynthOutput } from '../../../cli/synthesized/synth-output.ts';
import { environmentWith } from '../../support/environments.ts';
import { runStrata, runStrataInProcess } from '../../support/run-cli.ts';
import { FIXTURES, fixtureFolder } from './fixture-folders.ts';

const TODAY = '2026-11-22';

function planOf(name: string, priced = false): Plan {
  const base = { label: 'base', output: readSynthOutput(fixtureFolder(name, 'base')) };
  const head = { label: 'head', output: readSynthOutput(fixtureFolder(name, 'head')) };
  if (!priced) return buildPlan(base, head);
  const prod = loadEnvironment({ env: 'prod' });
  const doubled = environmentWith('prod', (doc) => (doc.sizing.databricks.autoscale.maxWorkers *= 2));
  return buildPlan({ ...base, environment: prod }, { ...head, environment: { ...prod, environment: doubled, file: 'prod-doubled.yaml' } }, costContext('medium', TODAY));
}

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
function expectGolden(name: string, markdown: string): void {
  const file = join(FIXTURES, name, 'plan.md');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, markdown);
  expect(markdown).toBe(readFileSync(file, 'utf8'));
}

describe('strata plan on fixture template pairs', () => {
  it('shows a bucket whose logical id changed as a replacement under Needs attention, with its retention policy', async () => {
    const plan = planOf('bucket-replaced');
    expect(plan.counts.aws).toEqual({ add: 0, change: 0, replace: 1, destroy: 0 });
    expect(plan.attention).toHaveLength(1);
    expect(plan.attention[0]).toMatchObject({ kind: 'replace', stack: 'strata-fx-stack' });
    expect(plan.attention[0]!.text).toContain('logical id changed from RawBucketA1B2C3D4 to LakeRawBucketE5F6A7B8');
    expect(plan.attention[0]!.text).toContain('UpdateReplacePolicy Retain');
    expectGolden('bucket-replaced', renderMarkdown(plan));
  });

  it('compares a bucket policy moved with its renamed bucket as the same statements: it removes no guard and grants nothing', async () => {
    const plan = planOf('bucket-policy-moved');
    expect(plan.counts.aws).toMatchObject({ replace: 2 });
    // The bucket's replacement is the one thing to look at.
    expect(plan.attention.map((item) => `${item.kind} ${item.resource}`)).toEqual(['replace LakeRawBucketE5F6A7B8 (AWS::S3::Bucket)']);
    expectGolden('bucket-policy-moved', renderMarkdown(plan));
  });

  it('still says a Deny guard went when the moved policy lost it', async () => {
    const head = JSON.parse(readFileSync(join(FIXTURES, 'bucket-policy-moved', 'head.template.json'), 'utf8'));
    head.Resources.LakeRawBucketPolicyE5F6A7B8.Properties.PolicyDocument.Statement = [];
    const folder = fixtureFolder('bucket-policy-moved', 'head');
    writeFileSync(join(folder, 'cdk.out', 'strata-fx-stack.template.json'), JSON.stringify(head));
    const plan = buildPlan({ label: 'base', output: readSynthOutput(fixtureFolder('bucket-policy-moved', 'base')) }, { label: 'head', output: readSynthOutput(folder) });
    expect(plan.attention.filter((item) => item.kind === 'iam-widening').map((item) => item.text)).toEqual(['PolicyDocument: Deny s3:* removed (guard removed)']);
  });

  it('shows a policy gaining Action * under Needs attention as IAM widening', async () => {
    const plan = planOf('role-widened');
    const widening = plan.attention.filter((item) => item.kind === 'iam-widening');
    expect(widening).toHaveLength(1);
    expect(widening[0]!.text).toBe('PolicyDocument: Allow * on * (wildcard action, wildcard resource)');
    expectGolden('role-widened', renderMarkdown(plan));
  });

  it('lists nothing under Needs attention between two real commits whose Azure platform stack changed only role-assignment descriptions', async () => {
    // history-role-descriptions: the platform stack of `strata synth --env dev` at fea8f8d~1 and fea8f8d (see
    // tests/fixtures/plan/README.md), where the descriptions were cut to the grant; the assignments are recreated.
    const plan = planOf('history-role-descriptions');
    expect(plan.attention).toEqual([]);
    const changes = plan.stacks.flatMap((stack) => stack.changes);
    expect(changes.length).toBeGreaterThan(10);
    for (const change of changes) {
      expect(change, change.address).toMatchObject({ action: 'replace', type: 'azurerm_role_assignment' });
      expect(change.why, change.address).toMatch(/recreated, no access change \(same principal, role, scope and condition\)$/);
      expect(change.properties.map((property) => property.path), change.address).toEqual(['description']);
    }
    expectGolden('history-role-descriptions', renderMarkdown(plan));
  });

  it('reads a role assignment recreated with the secret it is on, renamed, as the same grant moved: only the secret needs attention', async () => {
    // history-secret-renamed: the weather API key and its reader at fea8f8d~1 and fea8f8d, where secrets were
    // keyed by name instead of list position (from the pipelines stack; tests/fixtures/plan/README.md).
    const plan = planOf('history-secret-renamed');
    expect(plan.attention.map((item) => [item.kind, item.resource])).toEqual([['replace', 'azurerm_key_vault_secret.api_key_0 -> azurerm_key_vault_secret.api_key_strata_dev_weather_api_key']]);
    const grant = plan.stacks.flatMap((stack) => stack.changes).find((change) => change.type === 'azurerm_role_assignment')!;
    expect(grant).toMatchObject({ action: 'replace', address: 'azurerm_role_assignment.api_key_0_reader -> azurerm_role_assignment.api_key_strata_dev_weather_api_key_reader' });
    expect(grant.why).toMatch(/recreated, no access change/);
    expectGolden('history-secret-renamed', renderMarkdown(plan));
  });

  it('reads a role assignment whose own address alone changed as the same grant, without claiming a rename of its scope', async () => {
    const folder = fixtureFolder('history-secret-renamed', 'base');
    const file = join(folder, 'cdktf.out', 'stacks', 'pipelines', 'cdk.tf.json');
    const document = JSON.parse(readFileSync(file, 'utf8'));
    const grants = document.resource.azurerm_role_assignment;
    grants.weather_key_reader = grants.api_key_0_reader;
    delete grants.api_key_0_reader;
    writeFileSync(file, JSON.stringify(document));
    const plan = buildPlan({ label: 'base', output: readSynthOutput(fixtureFolder('history-secret-renamed', 'base')) }, { label: 'head', output: readSynthOutput(folder) });
    expect(plan.attention).toEqual([]);
    const [grant] = plan.stacks.flatMap((stack) => stack.changes);
    expect(grant!.why).toBe(
      'address changed from azurerm_role_assignment.api_key_0_reader to azurerm_role_assignment.weather_key_reader: recreated, no access change (same principal, role, scope and condition)',
    );
  });

  it('still calls a grant widening when its renamed scope also goes to another principal', async () => {
    const folder = fixtureFolder('history-secret-renamed', 'head');
    const file = join(folder, 'cdktf.out', 'stacks', 'pipelines', 'cdk.tf.json');
    const document = JSON.parse(readFileSync(file, 'utf8'));
    document.resource.azurerm_role_assignment.api_key_strata_dev_weather_api_key_reader.principal_id = '${data.terraform_remote_state.platform.outputs.identity_ml_principal_id}';
    writeFileSync(file, JSON.stringify(document));
    const plan = buildPlan({ label: 'base', output: readSynthOutput(fixtureFolder('history-secret-renamed', 'base')) }, { label: 'head', output: readSynthOutput(folder) });
    expect(plan.attention.map((item) => item.kind).sort()).toEqual(['iam-widening', 'replace']);
  });

  it('shows a Lambda whose code alone changed as "code changed" and not under Needs attention', async () => {
    const plan = planOf('lambda-code-only');
    expect(plan.attention).toEqual([]);
    const [change] = plan.stacks.flatMap((stack) => stack.changes);
    expect(change).toMatchObject({ action: 'change', codeOnly: true, type: 'AWS::Lambda::Function' });
    const markdown = renderMarkdown(plan);
    expect(markdown).toContain('- code changed `ListLandingFunction44444444` AWS::Lambda::Function');
    expect(markdown).not.toContain('S3Key');
    expectGolden('lambda-code-only', markdown);
  });

  it('diffs a state machine definition as JSON and draws it, the added state marked', async () => {
    const plan = planOf('state-added');
    const [change] = plan.stacks.flatMap((stack) => stack.changes);
    expect(change!.stateMachine?.addedStates).toEqual(['CheckQuality']);
    expect(change!.properties.map((p) => p.path)).toEqual(['Properties.DefinitionString.States.CheckQuality', 'Properties.DefinitionString.States.ListLandingDrops.Next']);
    const markdown = renderMarkdown(plan);
    expect(markdown).toContain('```mermaid');
    expect(markdown).toMatch(/class s\d+ added/);
    expectGolden('state-added', markdown);
  });

  it('shows a Databricks autoscale change as a cluster policy change with the monthly cost delta', async () => {
    const plan = planOf('databricks-autoscale', true);
    expect(plan.counts.azure).toEqual({ add: 0, change: 1, replace: 0, destroy: 0 });
    expect(plan.attention).toEqual([]);
    const markdown = renderMarkdown(plan);
    expect(markdown.split('\n')[0]).toContain('monthly cost: +$240.24');
    expect(markdown).toContain('`definition."autoscale.max_workers".maxValue`: `8` -> `16`');
    expectGolden('databricks-autoscale', markdown);
  });

  it('ignores the platform version, which differs between any two commits', async () => {
    const plan = planOf('databricks-autoscale');
    const paths = plan.stacks.flatMap((stack) => stack.changes.flatMap((change) => change.properties.map((p) => p.path)));
    expect(paths.some((path) => path.includes('strata:version'))).toBe(false);
    expect(plan.stacks.find((stack) => stack.name === 'workspace')!.changes.map((c) => c.address)).toEqual(['databricks_cluster_policy.sizing']);
  });

  it('compares the resources of a side it cannot price, and says why the cost delta is left out', async () => {
    const prod = loadEnvironment({ env: 'prod' });
    const base = { label: 'v0.1', output: readSynthOutput(fixtureFolder('databricks-autoscale', 'base')), environmentProblem: "its environment file does not pass this checkout's schema (v0.1:config/environments/dev.yaml: catalog: unknown key)" };
    const head = { label: 'head', output: readSynthOutput(fixtureFolder('databricks-autoscale', 'head')), environment: prod };
    const plan = buildPlan(base, head, costContext('medium', TODAY));
    expect(plan.stacks.flatMap((stack) => stack.changes).map((change) => change.address)).toEqual(['databricks_cluster_policy.sizing']);
    expect(plan.cost).toBeUndefined();
    expect(renderMarkdown(plan).split('\n')[0]).toMatch(/monthly cost: not estimated \(its environment file does not pass this checkout's schema \(v0\.1:config\/environments\/dev\.yaml: catalog: unknown key\)\)$/);
  });

  it('renders the same Markdown on every run', async () => {
    expect(renderMarkdown(planOf('state-added'))).toBe(renderMarkdown(planOf('state-added')));
  });

  it('drops detail, never the attention section, to fit the size budget', async () => {
    const plan = planOf('bucket-replaced');
    const full = renderMarkdown(plan);
    const tight = renderMarkdown(plan, 900);
    expect(tight.length).toBeLessThanOrEqual(900);
    expect(tight).toContain('Detail trimmed');
    expect(tight).toContain('logical id changed from RawBucketA1B2C3D4 to LakeRawBucketE5F6A7B8');
    expect(full).not.toContain('Detail trimmed');
  });
});

describe('strata plan command', () => {
  it('writes the Markdown and the JSON, and exits 1 when --fail-on names a kind the plan has', async () => {
    const base = fixtureFolder('bucket-replaced', 'base');
    const head = fixtureFolder('bucket-replaced', 'head');
    const out = join(head, 'plan.md');
    const json = join(head, 'plan.json');
    // As a user runs it, in a child process: the exit code is the process's.
    const result = runStrata(['plan', '--base', base, '--head', head, '--env', 'prod', '--out', out, '--json', json, '--fail-on', 'destroy,replace']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('failing as --fail-on asks: 1 replace');
    expect(readFileSync(out, 'utf8')).toContain('### Needs attention');
    expect(JSON.parse(readFileSync(json, 'utf8')).attention[0].kind).toBe('replace');
  });

  it('refuses an unknown --fail-on kind and a side that is neither a folder nor a git ref, with the usage', async () => {
    const dir = fixtureFolder('lambda-code-only', 'base');
    const kind = await runStrataInProcess(['plan', '--base', dir, '--head', dir, '--fail-on', 'everything']);
    expect(kind.status).toBe(2);
    expect(kind.stderr).toContain('--fail-on everything: unknown; allowed: destroy, replace, iam-widening');
    const side = await runStrataInProcess(['plan', '--base', 'no-such-ref-or-folder', '--head', dir]);
    expect(side.status).toBe(2);
    expect(side.stderr).toContain('--base no-such-ref-or-folder: neither a folder');
  });
});
