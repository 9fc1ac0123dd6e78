import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_CLASSES, LAYERS } from '../../../config/schema.ts';
import { identityOutputs, PLATFORM_OUTPUTS } from '../../../stacks/azure/platform-stack.ts';
import { TAG_KEYS } from '../../../stacks/shared/naming.ts';
import { onlyResource, resourcesOf, synthStacks, TEST_VERSION, type TfJson } from './synth-helpers.ts';
import { environmentNamed, environmentFrom, withChange } from '../../support/environments.ts';

/** Resources that hold data or keys: retained unless the environment opts in to deleting them. */
const STATEFUL = ['azurerm_storage_account', 'azurerm_key_vault', 'azurerm_key_vault_key', 'azurerm_databricks_workspace'] as const;

/** Every configuration this file looks at, synthesized once. */
const configs = {
  prod: () => environmentNamed('prod'),
  dev: () => environmentNamed('dev'),
  named: () => environmentFrom('name: named\nazure: { storageAccountName: mylake01, keyVaultName: kv-mine }\n'),
  someLayersKept: () => environmentFrom('name: keep\nstorage:\n  lifecycle: { raw: {}, trusted: {}, refined: {}, dataquality: { expireAfterDays: 10 } }\n'),
  allLayersKept: () => environmentFrom('name: keep\nstorage:\n  lifecycle: { raw: {}, trusted: {}, refined: {}, dataquality: {} }\n'),
  longLogs: () => environmentFrom('name: long\nretention: { logRetentionDays: 3653 }\n'),
  moved: () => withChange(environmentNamed('prod'), (env) => (env.azure.location = 'northeurope')),
  quiet: () => environmentFrom('name: quiet\n'),
};
const synthesized = {} as Record<keyof typeof configs, TfJson>;
beforeAll(() => {
  for (const [name, environment] of Object.entries(configs)) {
    synthesized[name as keyof typeof configs] = synthStacks(environment()).platform;
  }
});

describe('Azure platform stack (prod)', () => {
  let platform: TfJson;
  let lake: TfJson;
  beforeAll(() => {
    platform = synthesized.prod;
    lake = onlyResource(platform, 'azurerm_storage_account');
  });

  describe('the lake storage account', () => {
    it('is an ADLS Gen2 account: StorageV2 with the hierarchical namespace enabled', () => {
      expect(lake.account_kind).toBe('StorageV2');
      expect(lake.is_hns_enabled).toBe(true);
    });

    it('is named from the environment unless azure.storageAccountName says otherwise', () => {
      expect(lake.name).toBe('strataprodlake');
      const named = synthesized.named;
      expect(onlyResource(named, 'azurerm_storage_account').name).toBe('mylake01');
      expect(onlyResource(named, 'azurerm_key_vault').name).toBe('kv-mine');
    });

    it('requires TLS 1.2 and HTTPS', () => {
      expect(lake.min_tls_version).toBe('TLS1_2');
      expect(lake.https_traffic_only_enabled).toBe(true);
    });

    it('turns shared keys off and makes Entra ID the default authentication', () => {
      expect(lake.shared_access_key_enabled).toBe(false);
      expect(lake.default_to_oauth_authentication).toBe(true);
      expect(lake.local_user_enabled).toBe(false);
      expect(lake.sftp_enabled).toBe(false);
    });

    it('never allows public blob access', () => {
      expect(lake.allow_nested_items_to_be_public).toBe(false);
      for (const container of Object.values(resourcesOf(platform, 'azurerm_storage_container'))) {
        expect(container.container_access_type).toBe('private');
      }
    });

    it('encrypts twice: infrastructure encryption plus a customer-managed key from the vault', () => {
      expect(lake.infrastructure_encryption_enabled).toBe(true);
      expect(lake.identity).toEqual({ type: 'SystemAssigned' });
      const cmk = onlyResource(platform, 'azurerm_storage_account_customer_managed_key');
      expect(cmk.storage_account_id).toBe('${azurerm_storage_account.lake.id}');
      expect(cmk.key_vault_id).toBe('${azurerm_key_vault.vault.id}');
      expect(cmk.key_name).toBe('${azurerm_key_vault_key.lake_key.name}');
      // No pinned version: the account follows key rotation.
      expect(cmk).not.toHaveProperty('key_version');
      // The separate CMK resource owns the key; the account must not fight it.
      expect(lake.lifecycle.ignore_changes).toContain('customer_managed_key');
    });

    it('gives the account identity only the crypto role it needs on the vault, before the key is attached', () => {
      const roles = resourcesOf(platform, 'azurerm_role_assignment');
      expect(roles.lake_key_user).toMatchObject({
        scope: '${azurerm_key_vault.vault.id}',
        role_definition_name: 'Key Vault Crypto Service Encryption User',
        principal_id: '${azurerm_storage_account.lake.identity[0].principal_id}',
      });
      expect(onlyResource(platform, 'azurerm_storage_account_customer_managed_key').depends_on).toContain('azurerm_role_assignment.lake_key_user');
    });

    it('keeps deleted blobs and containers recoverable for storage.rawNoncurrentVersionExpireDays (ADLS has no blob versioning)', () => {
      expect(lake.blob_properties.delete_retention_policy.days).toBe(30);
      expect(lake.blob_properties.container_delete_retention_policy.days).toBe(30);
      expect(lake.blob_properties).not.toHaveProperty('versioning_enabled');
    });
  });

  describe('the layer containers', () => {
    it('are raw, trusted, refined and dataquality, created through the management plane', () => {
      const containers = Object.values(resourcesOf(platform, 'azurerm_storage_container'));
      expect(containers.map((c) => c.name).sort()).toEqual([...LAYERS].sort());
      for (const container of containers) {
        expect(container.storage_account_id).toBe('${azurerm_storage_account.lake.id}');
        expect(container).not.toHaveProperty('storage_account_name');
      }
    });

    it('each grant Storage Blob Data Contributor to the Databricks access connector, scoped to the container', () => {
      const connector = '${azurerm_databricks_access_connector.databricks_connector.identity[0].principal_id}';
      const roles = Object.values(resourcesOf(platform, 'azurerm_role_assignment')).filter((r) => r.principal_id === connector);
      expect(roles.map((r) => r.scope).sort()).toEqual(LAYERS.map((layer) => `\${azurerm_storage_container.container_${layer}.id}`).sort());
      for (const role of roles) {
        expect(role.role_definition_name).toBe('Storage Blob Data Contributor');
        expect(role.scope).not.toContain('azurerm_storage_account');
      }
    });
  });

  describe('the lifecycle policy', () => {
    it('tiers and expires each layer as storage.lifecycle says', () => {
      const policy = onlyResource(platform, 'azurerm_storage_management_policy');
      const byName = Object.fromEntries((policy.rule as TfJson[]).map((rule) => [rule.name, rule]));
      expect(Object.keys(byName)).toEqual(['raw', 'trusted', 'refined', 'dataquality']);
      expect(byName.raw.filters).toEqual({ blob_types: ['blockBlob'], prefix_match: ['raw/'] });
      expect(byName.raw.actions.base_blob).toEqual({ tier_to_cool_after_days_since_modification_greater_than: 30 });
      expect(byName.refined.actions.base_blob).toEqual({ tier_to_cool_after_days_since_modification_greater_than: 180 });
      expect(byName.dataquality.actions.base_blob).toEqual({
        tier_to_cool_after_days_since_modification_greater_than: 30,
        delete_after_days_since_modification_greater_than: 400,
      });
    });

    it('gives a layer with neither coolAfterDays nor expireAfterDays no rule', () => {
      const policy = onlyResource(synthesized.someLayersKept, 'azurerm_storage_management_policy');
      expect((policy.rule as TfJson[]).map((rule) => rule.name)).toEqual(['dataquality']);
      expect(policy.rule[0].actions.base_blob).toEqual({ delete_after_days_since_modification_greater_than: 10 });
    });

    it('is left out when no layer has a rule', () => {
      expect(resourcesOf(synthesized.allLayersKept, 'azurerm_storage_management_policy')).toEqual({});
    });
  });

  describe('the key vault and the lake key', () => {
    it('uses RBAC, purge protection, 90 days of soft delete and the standard SKU', () => {
      const vault = onlyResource(platform, 'azurerm_key_vault');
      expect(vault).toMatchObject({
        name: 'kv-strata-prod',
        rbac_authorization_enabled: true,
        purge_protection_enabled: true,
        soft_delete_retention_days: 90,
        sku_name: 'standard',
      });
      expect(vault).not.toHaveProperty('access_policy');
    });

    it('rotates the key automatically', () => {
      const key = onlyResource(platform, 'azurerm_key_vault_key');
      expect(key.key_type).toBe('RSA');
      expect(key.key_opts).toEqual(['wrapKey', 'unwrapKey']);
      expect(key.rotation_policy.automatic.time_after_creation).toBe('P90D');
      expect(key.rotation_policy.expire_after).toBe('P180D');
      expect(key.depends_on).toContain('azurerm_role_assignment.deployer_crypto_officer');
    });

    it('never purges soft-deleted vaults or keys from Terraform, and manages storage without its data plane', () => {
      const provider = platform.provider.azurerm[0];
      expect(provider.storage_use_azuread).toBe(true);
      expect(provider.features[0].key_vault[0]).toMatchObject({ purge_soft_delete_on_destroy: false, purge_soft_deleted_keys_on_destroy: false });
      expect(provider.features[0].storage[0]).toEqual({ data_plane_available: false });
    });
  });

  describe('logs', () => {
    it('keeps Log Analytics data for retention.logRetentionDays', () => {
      expect(onlyResource(platform, 'azurerm_log_analytics_workspace').retention_in_days).toBe(90);
    });

    it('clamps the retention to what Log Analytics allows (30 to 730 days)', () => {
      const short = synthesized.dev; // dev: 14 days
      expect(onlyResource(short, 'azurerm_log_analytics_workspace').retention_in_days).toBe(30);
      const long = synthesized.longLogs; // 3653 days
      expect(onlyResource(long, 'azurerm_log_analytics_workspace').retention_in_days).toBe(730);
    });

    it('sends blob service and key vault logs to Log Analytics', () => {
      const settings = Object.values(resourcesOf(platform, 'azurerm_monitor_diagnostic_setting'));
      expect(settings.map((s) => s.target_resource_id).sort()).toEqual(['${azurerm_key_vault.vault.id}', '${azurerm_storage_account.lake.id}/blobServices/default']);
      for (const setting of settings) {
        expect(setting.log_analytics_workspace_id).toBe('${azurerm_log_analytics_workspace.logs.id}');
        expect(setting.enabled_log).toEqual([{ category_group: 'allLogs' }]);
      }
    });
  });

  describe('Databricks', () => {
    it('is a premium workspace whose clusters get no public IP', () => {
      const workspace = onlyResource(platform, 'azurerm_databricks_workspace');
      expect(workspace.sku).toBe('premium');
      expect(workspace.custom_parameters.no_public_ip).toBe(true);
      expect(workspace.location).toBe('westeurope');
    });

    it('has an access connector with a system-assigned identity', () => {
      expect(onlyResource(platform, 'azurerm_databricks_access_connector').identity).toEqual({ type: 'SystemAssigned' });
    });
  });

  it('tags every taggable resource with the platform version and environment', () => {
    // Types azurerm gives no `tags` argument; any other type must carry the platform tags.
    const untaggable = new Set([
      'azurerm_role_assignment',
      'azurerm_storage_account_customer_managed_key',
      'azurerm_storage_container',
      'azurerm_storage_management_policy',
      'azurerm_monitor_diagnostic_setting',
      'azurerm_subnet',
    ]);
    const taggable = Object.entries(platform.resource as Record<string, Record<string, TfJson>>).filter(([type]) => !untaggable.has(type));
    expect(taggable.length).toBeGreaterThanOrEqual(8);
    for (const [, resources] of taggable) {
      for (const resource of Object.values(resources)) {
        expect(resource.tags).toEqual({ [TAG_KEYS.version]: TEST_VERSION, [TAG_KEYS.environment]: 'prod' });
      }
    }
  });

  it('outputs the workspace URL and resource id, the lake account name and the container names', () => {
    expect(platform.output.workspace_url.value).toBe('${azurerm_databricks_workspace.databricks.workspace_url}');
    expect(platform.output.workspace_resource_id.value).toBe('${azurerm_databricks_workspace.databricks.id}');
    expect(platform.output.storage_account_name.value).toBe('${azurerm_storage_account.lake.name}');
    expect(platform.output.container_names.value).toEqual(['raw', 'trusted', 'refined', 'dataquality']);
  });

  it('outputs everything the pipelines stack reads (PLATFORM_OUTPUTS), under those names', () => {
    expect(Object.keys(platform.output)).toEqual(expect.arrayContaining(Object.values(PLATFORM_OUTPUTS)));
    expect(platform.output[PLATFORM_OUTPUTS.accessConnectorId].value).toBe('${azurerm_databricks_access_connector.databricks_connector.id}');
    expect(platform.output[PLATFORM_OUTPUTS.storageAccountId].value).toBe('${azurerm_storage_account.lake.id}');
    expect(platform.output[PLATFORM_OUTPUTS.resourceGroupName].value).toBe('${azurerm_resource_group.platform.name}');
    expect(platform.output[PLATFORM_OUTPUTS.location].value).toBe('${azurerm_resource_group.platform.location}');
    expect(platform.output[PLATFORM_OUTPUTS.keyVaultId].value).toBe('${azurerm_key_vault.vault.id}');
    expect(platform.output[PLATFORM_OUTPUTS.keyVaultUri].value).toBe('${azurerm_key_vault.vault.vault_uri}');
    expect(platform.output[PLATFORM_OUTPUTS.logAnalyticsWorkspaceId].value).toBe('${azurerm_log_analytics_workspace.logs.id}');
    for (const owner of [...HANDLER_CLASSES, 'bi'] as const) {
      const names = identityOutputs(owner);
      for (const name of [names.id, names.clientId, names.principalId]) expect(platform.output, name).toHaveProperty(name);
    }
  });

  it('places everything in azure.location, in the environment resource group', () => {
    expect(onlyResource(platform, 'azurerm_resource_group')).toMatchObject({ name: 'strata-prod-rg', location: 'westeurope' });
    const moved = synthesized.moved;
    for (const type of ['azurerm_storage_account', 'azurerm_key_vault', 'azurerm_databricks_workspace']) {
      expect(onlyResource(moved, type).location).toBe('northeurope');
    }
  });
});

describe('retention of stateful Azure resources', () => {
  it('prevents destroying the lake account, vault, key and Databricks workspace when retention.destroyOnDelete is false', () => {
    const platform = synthesized.prod; // destroyOnDelete: false
    for (const type of STATEFUL) {
      expect(onlyResource(platform, type).lifecycle?.prevent_destroy, type).toBe(true);
    }
  });

  it('lets Terraform destroy them when retention.destroyOnDelete is true', () => {
    const platform = synthesized.dev; // destroyOnDelete: true
    for (const type of STATEFUL) {
      expect(onlyResource(platform, type).lifecycle?.prevent_destroy, type).toBeUndefined();
    }
  });

  it('retains by default (an environment that says nothing about retention)', () => {
    const platform = synthesized.quiet;
    expect(onlyResource(platform, 'azurerm_storage_account').lifecycle.prevent_destroy).toBe(true);
  });
});
