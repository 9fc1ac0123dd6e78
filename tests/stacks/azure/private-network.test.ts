/**
 * Private networking on Azure (`network.publicAccess`): prod (false) gives
 * every storage account, the vault and the function apps no open public
 * endpoint, and a private endpoint with its DNS zone group per service they
 * are reached through; dev (true) keeps the public endpoints and builds none
 * of it. Each environment's three stacks are synthesized once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../../config/schema.ts';
import { buildPlan } from '../../../cli/plan/plan.ts';
import { exposures } from '../../../cli/plan/risks.ts';
import type { SynthOutput, TfResource } from '../../../cli/synthesized/synth-output.ts';
import { buildAzureApp } from '../../../stacks/azure/azure-app.ts';
import { FUNCTION_APP_CLASSES, MANAGED_RUNTIME_NAME } from '../../../stacks/azure/pipelines-stack.ts';
import { FUNCTION_CALLER_SERVICE_TAG, RUNTIME_STORAGE_SUBRESOURCES } from '../../../stacks/azure/pipelines/handler-function-app.ts';
import { PRIVATE_DNS_ZONES, PRIVATE_LINK_SUBRESOURCES, type PrivateLinkSubresource } from '../../../stacks/azure/private-endpoints.ts';
import { FLEX_SUBNET_DELEGATION } from '../../../stacks/azure/private-network.ts';
import { DATABRICKS_ACCOUNTS_HOST, SERVERLESS_LAKE_SUBRESOURCES } from '../../../stacks/azure/workspace/serverless-lake-access.ts';
import { environmentFrom, environmentNamed, environmentWith, TEST_VERSION } from '../../support/environments.ts';
import { resourcesOf, type TfJson } from './synth-helpers.ts';

type Stacks = Record<'platform' | 'workspace' | 'pipelines', TfJson>;

function synthAll(environment: Environment): Stacks {
  const outdir = mkdtempSync(join(tmpdir(), 'strata-azure-network-'));
  try {
    const { platform, workspace, pipelines } = buildAzureApp({ environment, version: TEST_VERSION, outdir });
    return {
      platform: JSON.parse(Testing.synth(platform, true)) as TfJson,
      workspace: JSON.parse(Testing.synth(workspace, true)) as TfJson,
      pipelines: JSON.parse(Testing.synth(pipelines, true)) as TfJson,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The three stacks as `strata plan` reads a synth folder (Azure half only). */
function asSynthOutput(stacks: Stacks): SynthOutput {
  return {
    dir: '(in memory)',
    aws: [],
    azure: Object.entries(stacks).map(([stack, json]) => {
      const resources = new Map<string, TfResource>();
      for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>)) {
        for (const [name, body] of Object.entries(byName)) resources.set(`${type}.${name}`, { address: `${type}.${name}`, type, name, path: name, body });
      }
      return { name: stack, resources, other: {} };
    }),
    findings: [],
    acknowledgements: [],
  };
}

const both = (stacks: Stacks, type: string): Record<string, TfJson> => ({ ...resourcesOf(stacks.platform, type), ...resourcesOf(stacks.pipelines, type) });
const allActivities = (stacks: Stacks): TfJson[] => {
  const flatten = (list: TfJson[]): TfJson[] => list.flatMap((activity) => [activity, ...flatten((activity.typeProperties?.activities as TfJson[] | undefined) ?? [])]);
  return Object.values(resourcesOf(stacks.pipelines, 'azurerm_data_factory_pipeline')).flatMap((pipeline) => flatten(JSON.parse(pipeline.activities_json as string) as TfJson[]));
};
/** Endpoints by the resource they connect to (its Terraform reference) and subresource. */
const endpointsOf = (stacks: Stacks): TfJson[] => Object.values(both(stacks, 'azurerm_private_endpoint'));
const endpointFor = (stacks: Stacks, target: string, subresource: PrivateLinkSubresource): TfJson[] =>
  endpointsOf(stacks).filter((endpoint) => endpoint.private_service_connection.private_connection_resource_id === target && endpoint.private_service_connection.subresource_names[0] === subresource);

/** Resource types private networking adds; public access builds none of them. */
const NETWORK_TYPES = [
  'azurerm_virtual_network',
  'azurerm_subnet',
  'azurerm_private_dns_zone',
  'azurerm_private_dns_zone_virtual_network_link',
  'azurerm_private_endpoint',
  'azurerm_data_factory_integration_runtime_azure',
  'azurerm_data_factory_managed_private_endpoint',
];

const configs = {
  prod: () => environmentNamed('prod'),
  dev: () => environmentNamed('dev'),
  // The false branch of the boolean in an environment that otherwise keeps dev's settings.
  devPrivate: () => environmentWith('dev', (document) => (document.network.publicAccess = false)),
  // Omitted: private is the default.
  unsaid: () => environmentFrom('name: quiet\n'),
  account: () => environmentFrom('name: account\nnetwork: { databricksAccountId: 0123abcd-0000-4000-8000-00000000beef }\n'),
  ranges: () => environmentFrom('name: ranges\nnetwork: { addressSpace: 10.60.0.0/16, privateEndpointSubnet: 10.60.8.0/24, functionsSubnet: 10.60.16.0/23 }\n'),
};
const synthesized = {} as Record<keyof typeof configs, Stacks>;
beforeAll(() => {
  for (const [name, environment] of Object.entries(configs)) synthesized[name as keyof typeof configs] = synthAll(environment());
}, 120_000);

describe('Azure private networking (prod: network.publicAccess false)', () => {
  let stacks: Stacks;
  beforeAll(() => {
    stacks = synthesized.prod;
  });

  it('turns public network access off on every storage account, each with a deny-by-default firewall', () => {
    const accounts = Object.values(both(stacks, 'azurerm_storage_account'));
    // The lake and one runtime account per function app.
    expect(accounts).toHaveLength(1 + FUNCTION_APP_CLASSES.length);
    for (const account of accounts) {
      expect(account.public_network_access_enabled, account.name).toBe(false);
      expect(account.network_rules, account.name).toEqual({ default_action: 'Deny', bypass: ['AzureServices'] });
    }
  });

  it('turns public network access off on the vault, which lets trusted Azure services (the lake unwrapping its key) through', () => {
    const [vault] = Object.values(resourcesOf(stacks.platform, 'azurerm_key_vault'));
    expect(vault!.public_network_access_enabled).toBe(false);
    expect(vault!.network_acls).toEqual({ bypass: 'AzureServices', default_action: 'Deny' });
  });

  it('integrates every function app with the functions subnet, and admits only Data Factory at its public endpoint and nobody at its SCM site', () => {
    const apps = Object.values(resourcesOf(stacks.pipelines, 'azurerm_function_app_flex_consumption'));
    expect(apps).toHaveLength(FUNCTION_APP_CLASSES.length);
    for (const app of apps) {
      expect(app.virtual_network_subnet_id).toBe('${data.terraform_remote_state.platform.outputs.functions_subnet_id}');
      expect(app.site_config.vnet_route_all_enabled).toBe(true);
      expect(app.site_config.ip_restriction_default_action).toBe('Deny');
      expect(app.site_config.ip_restriction).toEqual([expect.objectContaining({ service_tag: FUNCTION_CALLER_SERVICE_TAG, action: 'Allow' })]);
      expect(app.site_config.scm_ip_restriction_default_action).toBe('Deny');
      expect(app.site_config.scm_use_main_ip_restriction).toBe(false);
    }
  });

  it('leaves no storage account, vault or function app reachable from any network, as strata plan judges exposure', () => {
    for (const type of ['azurerm_storage_account', 'azurerm_key_vault', 'azurerm_function_app_flex_consumption']) {
      for (const [name, body] of Object.entries(both(stacks, type))) expect(exposures(type, body), `${type}.${name}`).not.toContainEqual(expect.stringContaining('reachable from any network'));
    }
  });

  it('gives the lake a blob and a dfs endpoint, the vault a vault endpoint, each runtime account blob, queue and table, and each app a sites endpoint', () => {
    expect(endpointFor(stacks, '${azurerm_storage_account.lake.id}', 'blob')).toHaveLength(1);
    expect(endpointFor(stacks, '${azurerm_storage_account.lake.id}', 'dfs')).toHaveLength(1);
    expect(endpointFor(stacks, '${azurerm_key_vault.vault.id}', 'vault')).toHaveLength(1);
    const accounts = resourcesOf(stacks.pipelines, 'azurerm_storage_account');
    const apps = resourcesOf(stacks.pipelines, 'azurerm_function_app_flex_consumption');
    for (const address of Object.keys(accounts)) {
      for (const subresource of RUNTIME_STORAGE_SUBRESOURCES) expect(endpointFor(stacks, `\${azurerm_storage_account.${address}.id}`, subresource), `${address} ${subresource}`).toHaveLength(1);
    }
    for (const address of Object.keys(apps)) expect(endpointFor(stacks, `\${azurerm_function_app_flex_consumption.${address}.id}`, 'sites'), address).toHaveLength(1);
    expect(endpointsOf(stacks)).toHaveLength(3 + FUNCTION_APP_CLASSES.length * (RUNTIME_STORAGE_SUBRESOURCES.length + 1));
  });

  it('puts every endpoint in the private endpoint subnet, approved automatically, with a DNS zone group in its subresource zone', () => {
    const zones = resourcesOf(stacks.platform, 'azurerm_private_dns_zone');
    const zoneAddress = (subresource: PrivateLinkSubresource) => Object.keys(zones).find((address) => zones[address]!.name === PRIVATE_DNS_ZONES[subresource]);
    for (const [name, endpoint] of Object.entries(resourcesOf(stacks.platform, 'azurerm_private_endpoint'))) {
      const subresource = endpoint.private_service_connection.subresource_names[0] as PrivateLinkSubresource;
      expect(endpoint.subnet_id, name).toMatch(/^\$\{azurerm_subnet\.private_network_endpoints[\w]*\.id\}$/);
      expect(endpoint.private_service_connection.is_manual_connection, name).toBe(false);
      expect(endpoint.private_dns_zone_group.private_dns_zone_ids, name).toEqual([`\${azurerm_private_dns_zone.${zoneAddress(subresource)}.id}`]);
    }
    for (const [name, endpoint] of Object.entries(resourcesOf(stacks.pipelines, 'azurerm_private_endpoint'))) {
      const subresource = endpoint.private_service_connection.subresource_names[0] as PrivateLinkSubresource;
      expect(endpoint.subnet_id, name).toBe('${data.terraform_remote_state.platform.outputs.private_endpoint_subnet_id}');
      expect(endpoint.private_dns_zone_group.private_dns_zone_ids, name).toEqual([`\${data.terraform_remote_state.platform.outputs.private_dns_zone_${subresource}_id}`]);
    }
  });

  it('makes one private DNS zone per subresource, Microsoft’s privatelink names, each linked to the network', () => {
    const zones = Object.values(resourcesOf(stacks.platform, 'azurerm_private_dns_zone')).map((zone) => zone.name);
    expect(zones.sort()).toEqual(Object.values(PRIVATE_DNS_ZONES).sort());
    expect(zones).toEqual(expect.arrayContaining(['privatelink.blob.core.windows.net', 'privatelink.dfs.core.windows.net', 'privatelink.vaultcore.azure.net', 'privatelink.azurewebsites.net']));
    const links = Object.values(resourcesOf(stacks.platform, 'azurerm_private_dns_zone_virtual_network_link'));
    expect(links).toHaveLength(PRIVATE_LINK_SUBRESOURCES.length);
    for (const link of links) {
      expect(link.virtual_network_id).toMatch(/^\$\{azurerm_virtual_network\.[\w]+\.id\}$/);
      expect(link.registration_enabled).toBe(false);
    }
  });

  it('builds the network from the environment: its address space, an endpoint subnet and a functions subnet delegated to Microsoft.App/environments', () => {
    const [network] = Object.values(resourcesOf(stacks.platform, 'azurerm_virtual_network'));
    expect(network!.address_space).toEqual(['10.40.0.0/22']);
    const subnets = Object.values(resourcesOf(stacks.platform, 'azurerm_subnet'));
    expect(subnets.map((subnet) => [subnet.name, subnet.address_prefixes])).toEqual([
      ['private-endpoints', ['10.40.0.0/24']],
      ['functions', ['10.40.1.0/24']],
    ]);
    expect(subnets[1]!.delegation).toEqual([{ name: 'flex-consumption', service_delegation: { name: FLEX_SUBNET_DELEGATION, actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] } }]);
    const ranges = synthesized.ranges;
    expect(Object.values(resourcesOf(ranges.platform, 'azurerm_virtual_network'))[0]!.address_space).toEqual(['10.60.0.0/16']);
    expect(Object.values(resourcesOf(ranges.platform, 'azurerm_subnet')).map((subnet) => subnet.address_prefixes[0])).toEqual(['10.60.8.0/24', '10.60.16.0/23']);
  });

  it('outputs the subnets and the zones the pipelines stack reads', () => {
    expect(stacks.platform.output.private_endpoint_subnet_id.value).toMatch(/^\$\{azurerm_subnet\.private_network_endpoints[\w]*\.id\}$/);
    expect(stacks.platform.output.functions_subnet_id.value).toMatch(/^\$\{azurerm_subnet\.private_network_functions[\w]*\.id\}$/);
    for (const subresource of PRIVATE_LINK_SUBRESOURCES) expect(stacks.platform.output[`private_dns_zone_${subresource}_id`].value).toMatch(/^\$\{azurerm_private_dns_zone\.[\w]+\.id\}$/);
  });

  it('reads the function keys through the factory’s managed virtual network and its private endpoint to the vault', () => {
    const [factory] = Object.values(resourcesOf(stacks.pipelines, 'azurerm_data_factory'));
    expect(factory!.managed_virtual_network_enabled).toBe(true);
    const [runtime] = Object.values(resourcesOf(stacks.pipelines, 'azurerm_data_factory_integration_runtime_azure'));
    expect(runtime).toMatchObject({ name: MANAGED_RUNTIME_NAME, virtual_network_enabled: true });
    const [endpoint] = Object.values(resourcesOf(stacks.pipelines, 'azurerm_data_factory_managed_private_endpoint'));
    expect(endpoint).toMatchObject({ subresource_name: 'vault', target_resource_id: '${data.terraform_remote_state.platform.outputs.key_vault_id}' });
    const keyReads = allActivities(stacks).filter((activity) => String(activity.name).startsWith('FunctionKey-'));
    expect(keyReads.length).toBeGreaterThan(0);
    for (const read of keyReads) expect(read.typeProperties.connectVia).toEqual({ referenceName: MANAGED_RUNTIME_NAME, type: 'IntegrationRuntimeReference' });
    // WebHooks have no connectVia: they call the apps' public endpoint, which admits Data Factory's service tag.
    for (const hook of allActivities(stacks).filter((activity) => activity.type === 'WebHook')) expect(hook.typeProperties.connectVia).toBeUndefined();
  });

  it('gives serverless compute its path to the private lake when network.databricksAccountId is set: an NCC bound to the workspace, with blob and dfs endpoint rules', () => {
    const workspace = synthesized.account.workspace;
    expect(workspace.provider.databricks).toContainEqual({ alias: 'account', host: DATABRICKS_ACCOUNTS_HOST, account_id: '0123abcd-0000-4000-8000-00000000beef' });
    const [ncc] = Object.entries(resourcesOf(workspace, 'databricks_mws_network_connectivity_config'));
    expect(ncc![1]).toEqual({ name: 'strata-account-serverless', region: 'westeurope', provider: 'databricks.account' });
    const rules = Object.values(resourcesOf(workspace, 'databricks_mws_ncc_private_endpoint_rule'));
    expect(rules.map((rule) => rule.group_id)).toEqual([...SERVERLESS_LAKE_SUBRESOURCES]);
    for (const rule of rules) {
      expect(rule.resource_id).toBe('${data.terraform_remote_state.platform.outputs.storage_account_id}');
      expect(rule.network_connectivity_config_id).toBe(`\${databricks_mws_network_connectivity_config.${ncc![0]}.network_connectivity_config_id}`);
    }
    expect(Object.values(resourcesOf(workspace, 'databricks_mws_ncc_binding'))).toEqual([
      { network_connectivity_config_id: `\${databricks_mws_network_connectivity_config.${ncc![0]}.network_connectivity_config_id}`, workspace_id: '${data.terraform_remote_state.platform.outputs.workspace_id}', provider: 'databricks.account' },
    ]);
    expect(synthesized.account.platform.output.workspace_id.value).toBe('${azurerm_databricks_workspace.databricks.workspace_id}');
    // prod names no account: no NCC (docs/azure.md says what that leaves), and dev is public.
    for (const name of ['prod', 'dev'] as const) expect(resourcesOf(synthesized[name].workspace, 'databricks_mws_network_connectivity_config'), name).toEqual({});
  });

  it('leaves the Databricks path to the lake as it was: the access connector, no workspace change', () => {
    expect(resourcesOf(synthesized.prod.platform, 'azurerm_databricks_workspace')).toEqual(resourcesOf(synthAll(withPublic(environmentNamed('prod'))).platform, 'azurerm_databricks_workspace'));
    expect(synthesized.prod.workspace.resource.databricks_storage_credential).toBeDefined();
  });
});

describe('Azure public access (dev: network.publicAccess true)', () => {
  it('builds no network, no private endpoint and no managed virtual network', () => {
    for (const type of NETWORK_TYPES) expect(both(synthesized.dev, type), type).toEqual({});
    expect(Object.values(resourcesOf(synthesized.dev.pipelines, 'azurerm_data_factory'))[0]!.managed_virtual_network_enabled).toBe(false);
    for (const activity of allActivities(synthesized.dev)) expect(activity.typeProperties?.connectVia, String(activity.name)).toBeUndefined();
  });

  it('keeps the public endpoints as they were: no network settings on the storage accounts, the vault open to Entra ID callers, the apps without network integration', () => {
    for (const account of Object.values(both(synthesized.dev, 'azurerm_storage_account'))) {
      expect(account.public_network_access_enabled).toBeUndefined();
      expect(account.network_rules).toBeUndefined();
    }
    const [vault] = Object.values(resourcesOf(synthesized.dev.platform, 'azurerm_key_vault'));
    expect(vault).toMatchObject({ public_network_access_enabled: true, network_acls: { default_action: 'Allow' } });
    for (const app of Object.values(resourcesOf(synthesized.dev.pipelines, 'azurerm_function_app_flex_consumption'))) {
      expect(app.virtual_network_subnet_id).toBeUndefined();
      expect(app.site_config.ip_restriction_default_action).toBeUndefined();
    }
  });
});

describe('network.publicAccess false in another environment', () => {
  it('is private whether set (dev with publicAccess: false) or left out (the default)', () => {
    for (const name of ['devPrivate', 'unsaid'] as const) {
      const stacks = synthesized[name];
      expect(Object.keys(both(stacks, 'azurerm_virtual_network')), name).toHaveLength(1);
      expect(endpointsOf(stacks), name).toHaveLength(3 + FUNCTION_APP_CLASSES.length * (RUNTIME_STORAGE_SUBRESOURCES.length + 1));
      for (const account of Object.values(both(stacks, 'azurerm_storage_account'))) expect(account.public_network_access_enabled, name).toBe(false);
    }
  });
});

describe('strata plan on private networking', () => {
  it('shows the network and the endpoints as additions when an environment goes private, and no new exposure', () => {
    const plan = buildPlan({ label: 'base', output: asSynthOutput(synthesized.dev) }, { label: 'head', output: asSynthOutput(synthesized.devPrivate) });
    const added = plan.stacks.flatMap((stack) => stack.changes).filter((change) => change.action === 'add').map((change) => change.address.split('.')[0]);
    for (const type of NETWORK_TYPES) expect(added, type).toContain(type);
    expect(plan.attention.filter((item) => item.kind === 'public-exposure')).toEqual([]);
  });

  it('takes turning public access back on for exposure, on every storage account, the vault and every function app', () => {
    const plan = buildPlan({ label: 'base', output: asSynthOutput(synthesized.devPrivate) }, { label: 'head', output: asSynthOutput(synthesized.dev) });
    const exposed = plan.attention.filter((item) => item.kind === 'public-exposure' && item.text.startsWith('reachable from any network')).map((item) => item.resource.split('.')[0]);
    expect(exposed.filter((type) => type === 'azurerm_storage_account')).toHaveLength(1 + FUNCTION_APP_CLASSES.length);
    expect(exposed.filter((type) => type === 'azurerm_key_vault')).toHaveLength(1);
    expect(exposed.filter((type) => type === 'azurerm_function_app_flex_consumption')).toHaveLength(FUNCTION_APP_CLASSES.length);
  });
});

function withPublic(environment: Environment): Environment {
  return { ...environment, network: { ...environment.network, publicAccess: true } };
}
