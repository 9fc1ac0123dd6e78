import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../cli/plan/markdown.ts';
import type { Plan } from '../../../cli/plan/model.ts';
import { buildPlan } from '../../../cli/plan/plan.ts';
import { readableCondition } from '../../../cli/plan/risks.ts';
import { azureSynth, type TfBodies } from './azure-synth.ts';

const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';
const CONTAINER = '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]';
/** The form stacks/azure/handler-identities.ts writes: per action kind, "these actions only on these paths". */
const READ_FEATURES = `((!(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})) OR (@Resource[${BLOBS}:path] StringStartsWith 'features/' OR @Resource[${BLOBS}:path] StringStartsWith 'abt/'))`;
const NO_WRITES = `((!(ActionMatches{'${BLOBS}/write'}) AND !(ActionMatches{'${BLOBS}/add/action'}) AND !(ActionMatches{'${BLOBS}/move/action'})) OR (${CONTAINER} StringNotEquals 'refined'))`;

const fn = (name: string, handler: string) => ({ name, type: 'AzureFunctionActivity', linkedServiceName: { referenceName: 'Functions_transform', type: 'LinkedServiceReference' }, typeProperties: { functionName: handler, method: 'POST' } });
const forEach = (name: string, inner: unknown[]) => ({ name, type: 'ForEach', typeProperties: { items: { value: `@json('["a","b"]')`, type: 'Expression' }, activities: inner } });

function pipelines(change: (stack: TfBodies) => void = () => {}): TfBodies {
  const stack: TfBodies = {
    azurerm_user_assigned_identity: { ml: { name: 'id-strata-prod-ml', location: 'westeurope', resource_group_name: 'rg' } },
    azurerm_service_plan: { functions_ml_plan: { name: 'asp-ml', os_type: 'Linux', sku_name: 'FC1' } },
    azurerm_function_app_flex_consumption: {
      functions_ml: {
        name: 'func-strata-prod-ml',
        location: 'westeurope',
        resource_group_name: 'rg',
        service_plan_id: '${azurerm_service_plan.functions_ml_plan.id}',
        instance_memory_in_mb: 4096,
        runtime_name: 'node',
        runtime_version: '22',
        app_settings: { STRATA_HANDLER_CLASS: 'ml' },
      },
    },
    terraform_data: {
      functions_ml_code: {
        triggers_replace: { bundleSha256: 'AAAA', appId: '${azurerm_function_app_flex_consumption.functions_ml.id}' },
        provisioner: [{ 'local-exec': { command: 'az functionapp deployment source config-zip --ids "${azurerm_function_app_flex_consumption.functions_ml.id}" --src "assets/function_bundle/AAAA/archive.zip"' } }],
      },
    },
    azurerm_data_factory: { factory: { name: 'adf-strata-prod', location: 'westeurope', resource_group_name: 'rg' } },
    azurerm_data_factory_pipeline: {
      flow_process: {
        name: 'process',
        data_factory_id: '${azurerm_data_factory.factory.id}',
        activities_json: JSON.stringify([forEach('BuildTrustedTables', [fn('BuildTrustedTable', 'build-trusted')]), fn('CheckQuality', 'check-quality')]),
      },
    },
    databricks_sql_endpoint: { pipelines: { name: 'strata-prod-pipelines', cluster_size: 'Small' } },
    azurerm_role_assignment: {},
  };
  change(stack);
  return stack;
}

function planOf(change: (stack: TfBodies) => void): Plan {
  return buildPlan({ label: 'base', output: azureSynth({ pipelines: pipelines() }) }, { label: 'head', output: azureSynth({ pipelines: pipelines(change) }) });
}
const changesOf = (plan: Plan) => plan.stacks.flatMap((stack) => stack.changes);

/** The ml identity's role assignment on the refined container, with `changes` on top. */
const mlReadsRefined = (changes: Record<string, unknown> = {}) => ({
  scope: '${azurerm_storage_container.refined.id}',
  role_definition_name: 'Storage Blob Data Reader',
  principal_id: '${azurerm_user_assigned_identity.ml.principal_id}',
  ...changes,
});

/** The plan from a pipelines stack holding one role assignment to the same stack holding another in its place. */
function planBetween(before: Record<string, unknown>, after: Record<string, unknown>): Plan {
  const withAssignment = (assignment: Record<string, unknown>) => azureSynth({ pipelines: pipelines((stack) => (stack.azurerm_role_assignment!.ml_refined = assignment)) });
  return buildPlan({ label: 'base', output: withAssignment(before) }, { label: 'head', output: withAssignment(after) });
}

describe('strata plan on the Azure pipelines stack', () => {
  it('shows a function app whose bundle alone changed as new code deployed, not as a replacement or attention', () => {
    const plan = planOf((stack) => {
      const code = stack.terraform_data!.functions_ml_code! as { triggers_replace: Record<string, string>; provisioner: Array<Record<string, { command: string }>> };
      code.triggers_replace.bundleSha256 = 'BBBB';
      code.provisioner[0]!['local-exec']!.command = code.provisioner[0]!['local-exec']!.command.replace('AAAA', 'BBBB');
    });
    expect(changesOf(plan)).toMatchObject([{ address: 'terraform_data.functions_ml_code', action: 'change', codeOnly: true }]);
    expect(plan.attention).toEqual([]);
    expect(renderMarkdown(plan)).toContain('- code changed `functions_ml_code` terraform_data · new code deployed (the function bundle changed; settings did not)');
  });

  it('does not take a changed deploy command for new code when it publishes to another app', () => {
    const plan = planOf((stack) => {
      const code = stack.terraform_data!.functions_ml_code! as { triggers_replace: Record<string, string> };
      code.triggers_replace.appId = '${azurerm_function_app_flex_consumption.other.id}';
    });
    expect(changesOf(plan)).toMatchObject([{ address: 'terraform_data.functions_ml_code', codeOnly: false }]);
  });

  it('replaces a function app moved to another plan, and an app whose memory changes is updated in place', () => {
    const moved = planOf((stack) => (stack.azurerm_function_app_flex_consumption!.functions_ml!.service_plan_id = '${azurerm_service_plan.other.id}'));
    expect(changesOf(moved)[0]).toMatchObject({ action: 'replace' });
    expect(changesOf(moved)[0]!.why).toContain('replaced: service_plan_id cannot change in place; the new app has a new hostname and new host keys');
    const memory = planOf((stack) => (stack.azurerm_function_app_flex_consumption!.functions_ml!.instance_memory_in_mb = 2048));
    expect(changesOf(memory)[0]).toMatchObject({ action: 'change', codeOnly: false });
  });

  it('puts a renamed user-assigned identity under Needs attention: a new principal, so its role assignments are replaced', () => {
    const plan = planOf((stack) => (stack.azurerm_user_assigned_identity!.ml!.name = 'id-strata-prod-ml2'));
    expect(plan.attention).toHaveLength(1);
    expect(plan.attention[0]).toMatchObject({ kind: 'replace', resource: 'azurerm_user_assigned_identity.ml' });
    expect(plan.attention[0]!.text).toContain('the new identity has a new principal id, so every role assignment, Key Vault access and Databricks grant given to it is replaced too');
  });

  it('puts a renamed data factory under Needs attention, and a renamed pipeline is a plain replacement', () => {
    const factory = planOf((stack) => (stack.azurerm_data_factory!.factory!.name = 'adf-strata-prod2'));
    expect(factory.attention.map((item) => item.kind)).toEqual(['replace']);
    expect(factory.attention[0]!.text).toContain('its run history is lost');
    const pipeline = planOf((stack) => (stack.azurerm_data_factory_pipeline!.flow_process!.name = 'process2'));
    expect(changesOf(pipeline)[0]).toMatchObject({ action: 'replace', stateful: false });
    expect(pipeline.attention).toEqual([]);
  });

  it('renames a Databricks SQL warehouse in place (name is not ForceNew outside azurerm)', () => {
    const plan = planOf((stack) => (stack.databricks_sql_endpoint!.pipelines!.name = 'strata-prod-etl'));
    expect(changesOf(plan)[0]).toMatchObject({ action: 'change' });
  });

  it("diffs a pipeline's activities by name: added and removed activities, nested ones as ForEach/Inner, and what changed inside one", () => {
    const plan = planOf((stack) => {
      stack.azurerm_data_factory_pipeline!.flow_process!.activities_json = JSON.stringify([
        forEach('BuildTrustedTables', [fn('BuildTrustedTable', 'build-trusted'), fn('CountRows', 'build-trusted')]),
        fn('CheckQuality', 'check-quality-v2'),
        { name: 'Notify', type: 'WebActivity', typeProperties: { url: 'https://topic', method: 'POST' } },
      ]);
    });
    const [change] = changesOf(plan);
    expect(change!.properties).toEqual([
      { path: 'activities_json (activities)', after: ['BuildTrustedTables/CountRows', 'Notify'] },
      { path: 'activities_json.CheckQuality.typeProperties.functionName', before: 'check-quality', after: 'check-quality-v2' },
    ]);
    const markdown = renderMarkdown(plan);
    expect(markdown).toContain("- `activities_json (activities)`: (none) -> `[\"BuildTrustedTables/CountRows\",\"Notify\"]`");
  });

  it('shows an activity removed from a pipeline as removed', () => {
    const plan = planOf((stack) => {
      stack.azurerm_data_factory_pipeline!.flow_process!.activities_json = JSON.stringify([forEach('BuildTrustedTables', [fn('BuildTrustedTable', 'build-trusted')])]);
    });
    expect(changesOf(plan)[0]!.properties).toEqual([{ path: 'activities_json (activities)', before: ['CheckQuality'] }]);
  });

  it('shows a new role assignment with its ABAC condition in words', () => {
    const plan = planOf((stack) => {
      stack.azurerm_role_assignment!.ml_refined = {
        scope: '${data.terraform_remote_state.platform.outputs.container_ids.refined}',
        role_definition_name: 'Storage Blob Data Contributor',
        principal_id: '${azurerm_user_assigned_identity.ml.principal_id}',
        principal_type: 'ServicePrincipal',
        condition: `${READ_FEATURES} AND ${NO_WRITES}`,
        condition_version: '2.0',
      };
    });
    const widening = plan.attention.filter((item) => item.kind === 'iam-widening');
    expect(widening).toHaveLength(1);
    expect(widening[0]!.text).toBe(
      'role "Storage Blob Data Contributor" to ${azurerm_user_assigned_identity.ml.principal_id} on ${data.terraform_remote_state.platform.outputs.container_ids.refined}' +
        " if blob read (not Blob.List) only where blob path starts with 'features/' or blob path starts with 'abt/'; blob write, blob add/action, blob move/action refused" +
        ' (new principal, data actions)',
    );
    // The Markdown writes the Terraform references in words.
    const markdown = renderMarkdown(plan);
    expect(markdown).toContain('role "Storage Blob Data Contributor" to the principal_id of azurerm_user_assigned_identity.ml on the platform stack\'s output container_ids.refined');
    expect(markdown).not.toContain('${data.terraform_remote_state');
  });

  it('shows a role assignment recreated for its description alone as a replacement, not as IAM widening: same principal, role, scope and condition', () => {
    const conditioned = { condition: READ_FEATURES, condition_version: '2.0' };
    const planFor = (role?: string) =>
      planBetween(mlReadsRefined({ ...conditioned, description: 'ml reads features' }), mlReadsRefined({ ...conditioned, description: 'ml: reads the features', ...(role ? { role_definition_name: role } : {}) }));
    const recreated = planFor();
    expect(changesOf(recreated).map((change) => `${change.action} ${change.address}`)).toEqual(['replace azurerm_role_assignment.ml_refined']);
    expect(recreated.attention.filter((item) => item.kind === 'iam-widening')).toEqual([]);
    expect(changesOf(recreated)[0]!.why).toBe('replaced: description cannot change in place; recreated, no access change (same principal, role, scope and condition)');
    // The false branch: another role in the same replacement is a widening.
    expect(planFor('Storage Blob Data Contributor').attention.filter((item) => item.kind === 'iam-widening')).toHaveLength(1);
  });

  it('replaces a role assignment whose condition changed, saying what it was', () => {
    const plan = planBetween(mlReadsRefined({ condition: READ_FEATURES, condition_version: '2.0' }), mlReadsRefined());
    expect(changesOf(plan)[0]).toMatchObject({ action: 'replace' });
    const [widening] = plan.attention.filter((item) => item.kind === 'iam-widening');
    expect(widening!.text).toContain("on ${azurerm_storage_container.refined.id}; was if blob read (not Blob.List) only where blob path starts with 'features/'");
    expect(widening!.text).toContain('condition removed');
  });
});

describe('ABAC conditions in words', () => {
  it("reads Microsoft's multi-line example form", () => {
    const condition = `(\n (\n  !(ActionMatches{'${BLOBS}/read'})\n )\n OR\n (\n  ${CONTAINER} StringEquals 'raw'\n )\n)`;
    expect(readableCondition(condition)).toBe("blob read only where container = 'raw'");
  });

  it('keeps a condition of another shape, with attribute and operator names shortened', () => {
    expect(readableCondition(`@Resource[${BLOBS}/tags:project] StringEquals 'strata'`)).toBe("blob tag project = 'strata'");
  });
});

describe('ABAC conditions scoped to their own container', () => {
  it("reads a clause that can never hold in the assignment's own container as refused", () => {
    const refuseReads = `((!(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})) OR (${CONTAINER} StringNotEquals 'dataquality'))`;
    expect(readableCondition(refuseReads, '${azurerm_storage_container.container_dataquality.id}')).toBe('blob read (not Blob.List) refused');
    expect(readableCondition(refuseReads, '${azurerm_storage_container.container_raw.id}')).toBe("blob read (not Blob.List) only where container != 'dataquality'");
  });
});
