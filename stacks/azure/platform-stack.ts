/**
 * The Azure platform: the ADLS Gen2 lake (one container per layer) encrypted
 * with a customer-managed key, its Key Vault, Log Analytics for their logs, and
 * the Databricks workspace with an access connector that may read and write
 * the layer containers, and one managed identity per handler class (and BI)
 * with role assignments per layer container (see handler-identities.ts).
 *
 * Unless `network.publicAccess` is true, the lake and the vault have public
 * network access off and take private endpoints in the environment's virtual
 * network (private-network.ts), whose subnets and DNS zones the pipelines
 * stack's endpoints and function apps use too.
 */
import { TerraformOutput, TerraformStack, type TerraformResourceLifecycle } from 'cdktf';
import type { Construct } from 'constructs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js';
import { DatabricksAccessConnector } from '@cdktf/provider-azurerm/lib/databricks-access-connector/index.js';
import { DatabricksWorkspace } from '@cdktf/provider-azurerm/lib/databricks-workspace/index.js';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
import { KeyVaultKey } from '@cdktf/provider-azurerm/lib/key-vault-key/index.js';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace/index.js';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
import { StorageAccountCustomerManagedKeyA } from '@cdktf/provider-azurerm/lib/storage-account-customer-managed-key/index.js';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container/index.js';
import { StorageManagementPolicy } from '@cdktf/provider-azurerm/lib/storage-management-policy/index.js';
import { LAYERS, type Environment, type HandlerClass, type Layer } from '../../config/schema.ts';
import { platformTags, resourceName } from '../shared/naming.ts';
import { configureBackend, STACK_NAMES } from './backend.ts';
import { HandlerIdentities, IDENTITY_OWNERS } from './handler-identities.ts';
import { lifecycleRules, softDeleteRetentionDays } from './storage-lifecycle.ts';
import { PrivateEndpoints, PRIVATE_LINK_SUBRESOURCES, type PrivateLinkSubresource } from './private-endpoints.ts';
import { PrivateNetwork } from './private-network.ts';
import { SECURE_STORAGE_ACCOUNT, storageNetworkAccess } from './secure-storage-account.ts';

export interface PlatformStackProps {
  /** The environment, parsed and with every default applied. */
  readonly environment: Environment;
  /** Platform version (`<package version>+<commit>`), tagged on every resource. */
  readonly version: string;
}

export class PlatformStack extends TerraformStack {
  readonly resourceGroup: ResourceGroup;
  readonly keyVault: KeyVault;
  readonly lakeKey: KeyVaultKey;
  readonly storageAccount: StorageAccount;
  readonly containers: Record<Layer, StorageContainer>;
  readonly logAnalytics: LogAnalyticsWorkspace;
  readonly databricksWorkspace: DatabricksWorkspace;
  readonly accessConnector: DatabricksAccessConnector;
  readonly handlerIdentities: HandlerIdentities;
  /** The virtual network, its subnets and private DNS zones; only when network.publicAccess is false. */
  readonly privateNetwork?: PrivateNetwork;
  /** The lake's blob and dfs endpoints and the vault's; only when network.publicAccess is false. */
  readonly privateEndpoints: PrivateEndpoints[] = [];

  constructor(scope: Construct, props: PlatformStackProps) {
    // The stack name is the folder under `<outdir>/stacks/` and part of the state key.
    const stackName = STACK_NAMES.platform;
    super(scope, stackName);
    const { environment, version } = props;
    const tags = platformTags(environment, version);
    const location = environment.azure.location;
    // Terraform's equivalent of CloudFormation's RETAIN: plan fails instead of destroying data.
    const retain: TerraformResourceLifecycle | undefined = environment.retention.destroyOnDelete ? undefined : { preventDestroy: true };

    configureBackend(this, environment, stackName);
    new AzurermProvider(this, 'azurerm', {
      // Shared keys are off: any storage data-plane call must use Entra ID...
      storageUseAzuread: true,
      features: [
        {
          // ...and there are none: containers and lifecycle policy go through Azure Resource Manager.
          storage: [{ dataPlaneAvailable: false }],
          // Never purge a soft-deleted vault or key from Terraform (purge protection forbids it anyway).
          keyVault: [{ purgeSoftDeleteOnDestroy: false, purgeSoftDeletedKeysOnDestroy: false, recoverSoftDeletedKeyVaults: true }],
          resourceGroup: [{ preventDeletionIfContainsResources: true }],
        },
      ],
    });
    const client = new DataAzurermClientConfig(this, 'current');

    this.resourceGroup = new ResourceGroup(this, 'platform', { name: resourceName(environment, 'rg'), location, tags });
    const resourceGroupName = this.resourceGroup.name;
    const { publicAccess } = environment.network;

    // ------------------------------------------------------------ network
    if (!publicAccess) this.privateNetwork = new PrivateNetwork(this, 'private_network', { environment, resourceGroupName, location, tags });

    // ------------------------------------------------------------ logs
    this.logAnalytics = new LogAnalyticsWorkspace(this, 'logs', {
      name: resourceName(environment, 'logs'),
      resourceGroupName,
      location,
      sku: 'PerGB2018',
      retentionInDays: logAnalyticsRetentionDays(environment),
      // Ingestion and queries with Entra ID only, no workspace keys.
      localAuthenticationEnabled: false,
      tags,
    });

    // ------------------------------------------------------------ key vault and the lake key
    this.keyVault = new KeyVault(this, 'vault', {
      name: keyVaultName(environment),
      resourceGroupName,
      location,
      tenantId: client.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      // Public: Terraform creates the key through the vault's data plane from wherever it runs,
      // so the vault stays reachable; Entra ID + RBAC guard every call. Private: only its private
      // endpoint (so Terraform runs inside the network) and trusted Azure services (the lake
      // unwrapping its key), which Key Vault lets through even with public access off.
      publicNetworkAccessEnabled: publicAccess,
      networkAcls: { bypass: 'AzureServices', defaultAction: publicAccess ? 'Allow' : 'Deny' },
      tags,
      lifecycle: retain,
    });
    const deployerCanManageKeys = new RoleAssignment(this, 'deployer_crypto_officer', {
      scope: this.keyVault.id,
      roleDefinitionName: ROLES.cryptoOfficer,
      principalId: client.objectId,
      description: 'Terraform creates the lake key and its rotation policy.',
    });
    this.lakeKey = new KeyVaultKey(this, 'lake_key', {
      name: resourceName(environment, 'lake', 'cmk'),
      keyVaultId: this.keyVault.id,
      keyType: 'RSA',
      keySize: 3072,
      keyOpts: ['wrapKey', 'unwrapKey'],
      rotationPolicy: {
        automatic: { timeAfterCreation: 'P90D' },
        expireAfter: 'P180D',
        notifyBeforeExpiry: 'P30D',
      },
      tags,
      dependsOn: [deployerCanManageKeys],
      lifecycle: retain,
    });

    // ------------------------------------------------------------ the lake
    const softDeleteDays = softDeleteRetentionDays(environment);
    this.storageAccount = new StorageAccount(this, 'lake', {
      name: lakeStorageAccountName(environment),
      resourceGroupName,
      location,
      ...SECURE_STORAGE_ACCOUNT,
      ...storageNetworkAccess(publicAccess),
      isHnsEnabled: true,
      // Queues and tables under the account key too, so the CMK covers every service.
      queueEncryptionKeyType: 'Account',
      tableEncryptionKeyType: 'Account',
      identity: { type: 'SystemAssigned' },
      blobProperties: {
        deleteRetentionPolicy: { days: softDeleteDays },
        containerDeleteRetentionPolicy: { days: softDeleteDays },
      },
      tags,
      lifecycle: {
        ...retain,
        // The key is attached by azurerm_storage_account_customer_managed_key below.
        ignoreChanges: ['customer_managed_key'],
      },
    });
    const lakeCanUseKey = new RoleAssignment(this, 'lake_key_user', {
      scope: this.keyVault.id,
      roleDefinitionName: ROLES.cryptoServiceEncryptionUser,
      principalId: this.storageAccount.identity.principalId,
      principalType: 'ServicePrincipal',
      description: 'The lake storage account wraps and unwraps its customer-managed key.',
    });
    new StorageAccountCustomerManagedKeyA(this, 'lake_cmk', {
      storageAccountId: this.storageAccount.id,
      keyVaultId: this.keyVault.id,
      keyName: this.lakeKey.name,
      // No key_version: the account follows the rotation policy to the latest version.
      dependsOn: [lakeCanUseKey],
    });

    this.containers = Object.fromEntries(
      LAYERS.map((layer) => [
        layer,
        new StorageContainer(this, `container_${layer}`, {
          name: layer,
          // Management-plane form: no shared key or data-plane access needed.
          storageAccountId: this.storageAccount.id,
          containerAccessType: 'private',
        }),
      ]),
    ) as Record<Layer, StorageContainer>;

    const rules = lifecycleRules(environment);
    if (rules.length > 0) {
      new StorageManagementPolicy(this, 'lake_lifecycle', { storageAccountId: this.storageAccount.id, rule: rules });
    }

    // ------------------------------------------------------------ private endpoints
    if (this.privateNetwork) {
      const endpoints = (id: string, targetName: string, targetResourceId: string, subresources: PrivateLinkSubresource[]) =>
        this.privateEndpoints.push(
          new PrivateEndpoints(this, id, { environment, targetName, targetResourceId, subresources, network: this.privateNetwork!.endpointNetwork, resourceGroupName, location, tags }),
        );
      // blob for the blob API (Azure Functions, Data Factory's triggers), dfs for the ADLS API (Databricks, abfss://).
      endpoints('lake_endpoints', 'lake', this.storageAccount.id, ['blob', 'dfs']);
      endpoints('vault_endpoints', 'vault', this.keyVault.id, ['vault']);
    }

    // ------------------------------------------------------------ diagnostics
    new MonitorDiagnosticSetting(this, 'lake_blob_diagnostics', {
      name: resourceName(environment, 'lake', 'blob', 'logs'),
      targetResourceId: `${this.storageAccount.id}/blobServices/default`,
      logAnalyticsWorkspaceId: this.logAnalytics.id,
      enabledLog: [{ categoryGroup: 'allLogs' }],
      enabledMetric: [{ category: 'Transaction' }],
    });
    new MonitorDiagnosticSetting(this, 'vault_diagnostics', {
      name: resourceName(environment, 'vault', 'logs'),
      targetResourceId: this.keyVault.id,
      logAnalyticsWorkspaceId: this.logAnalytics.id,
      enabledLog: [{ categoryGroup: 'allLogs' }],
      enabledMetric: [{ category: 'AllMetrics' }],
    });

    // ------------------------------------------------------------ databricks
    this.databricksWorkspace = new DatabricksWorkspace(this, 'databricks', {
      name: resourceName(environment, 'dbw'),
      resourceGroupName,
      location,
      sku: 'premium',
      managedResourceGroupName: resourceName(environment, 'dbw', 'managed', 'rg'),
      // Secure cluster connectivity: cluster VMs get no public IP address.
      customParameters: { noPublicIp: true },
      // Double encryption of the workspace root storage (DBFS).
      infrastructureEncryptionEnabled: true,
      tags,
      lifecycle: retain,
    });
    this.accessConnector = new DatabricksAccessConnector(this, 'databricks_connector', {
      name: resourceName(environment, 'dbw', 'connector'),
      resourceGroupName,
      location,
      identity: { type: 'SystemAssigned' },
      tags,
    });
    for (const layer of LAYERS) {
      // One assignment per container, not the account: a new container is not covered by accident.
      new RoleAssignment(this, `databricks_${layer}_contributor`, {
        scope: this.containers[layer].id,
        roleDefinitionName: ROLES.blobDataContributor,
        principalId: this.accessConnector.identity.principalId,
        principalType: 'ServicePrincipal',
        description: `Databricks (access connector) reads and writes the ${layer} layer.`,
      });
    }

    // ------------------------------------------------------------ handler and BI identities
    this.handlerIdentities = new HandlerIdentities(this, 'identities', {
      environment,
      resourceGroupName,
      location,
      tags,
      containers: this.containers,
    });

    // ------------------------------------------------------------ outputs
    const output = (id: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description, staticId: true });
    output(PLATFORM_OUTPUTS.workspaceUrl, this.databricksWorkspace.workspaceUrl, 'Databricks workspace host name (without https://).');
    output(PLATFORM_OUTPUTS.workspaceResourceId, this.databricksWorkspace.id, 'Databricks workspace Azure resource id.');
    output(PLATFORM_OUTPUTS.storageAccountName, this.storageAccount.name, 'ADLS Gen2 account of the lake.');
    output(PLATFORM_OUTPUTS.containerNames, [...LAYERS], 'Layer containers, in layer order.');
    output(PLATFORM_OUTPUTS.accessConnectorId, this.accessConnector.id, 'Databricks access connector (for Unity Catalog storage credentials).');
    output(PLATFORM_OUTPUTS.storageAccountId, this.storageAccount.id, 'ADLS Gen2 account of the lake (Azure resource id).');
    output(PLATFORM_OUTPUTS.resourceGroupName, this.resourceGroup.name, 'Resource group of the environment.');
    output(PLATFORM_OUTPUTS.location, this.resourceGroup.location, 'Azure region of the environment.');
    output(PLATFORM_OUTPUTS.keyVaultId, this.keyVault.id, 'Key Vault of the environment (Azure resource id).');
    output(PLATFORM_OUTPUTS.keyVaultUri, this.keyVault.vaultUri, 'Key Vault URI, https://<vault>.vault.azure.net/.');
    output(PLATFORM_OUTPUTS.logAnalyticsWorkspaceId, this.logAnalytics.id, 'Log Analytics workspace (Azure resource id).');
    if (this.privateNetwork) {
      const network = this.privateNetwork;
      output(PLATFORM_OUTPUTS.privateEndpointSubnetId, network.privateEndpointSubnet.id, 'Subnet of the private endpoints (network.privateEndpointSubnet).');
      output(PLATFORM_OUTPUTS.functionsSubnetId, network.functionsSubnet.id, 'Subnet the function apps integrate with (network.functionsSubnet).');
      output(PLATFORM_OUTPUTS.workspaceId, this.databricksWorkspace.workspaceId, 'Databricks workspace id (numeric): the serverless network connectivity configuration binds to it.');
      for (const subresource of PRIVATE_LINK_SUBRESOURCES) {
        output(privateDnsZoneOutput(subresource), network.dnsZones[subresource].id, `Private DNS zone of ${subresource} endpoints (Azure resource id).`);
      }
    }
    for (const owner of IDENTITY_OWNERS) {
      const identity = this.handlerIdentities.identities[owner];
      const names = identityOutputs(owner);
      output(names.id, identity.id, `User-assigned identity of ${owner} (Azure resource id).`);
      output(names.clientId, identity.clientId, `Client (application) id of the ${owner} identity: AZURE_CLIENT_ID, and its Databricks service principal.`);
      output(names.principalId, identity.principalId, `Object (principal) id of the ${owner} identity.`);
    }
  }
}

/** Output names of the platform stack; the workspace stack reads the first two. */
export const PLATFORM_OUTPUTS = {
  workspaceUrl: 'workspace_url',
  workspaceResourceId: 'workspace_resource_id',
  storageAccountName: 'storage_account_name',
  containerNames: 'container_names',
  accessConnectorId: 'access_connector_id',
  storageAccountId: 'storage_account_id',
  resourceGroupName: 'resource_group_name',
  location: 'location',
  keyVaultId: 'key_vault_id',
  keyVaultUri: 'key_vault_uri',
  logAnalyticsWorkspaceId: 'log_analytics_workspace_id',
  /** Only when network.publicAccess is false, as are the private DNS zones' (see privateDnsZoneOutput). */
  privateEndpointSubnetId: 'private_endpoint_subnet_id',
  functionsSubnetId: 'functions_subnet_id',
  workspaceId: 'workspace_id',
  /** Per handler class: `identity_<class>_id`, `_client_id`, `_principal_id` (see identityOutputs). */
} as const;

/** Output name of the private DNS zone of one private link subresource (private networking only). */
export function privateDnsZoneOutput(subresource: PrivateLinkSubresource): string {
  return `private_dns_zone_${subresource}_id`;
}

/** Output names of a handler class's (or BI's) user-assigned identity in the platform stack. */
export function identityOutputs(owner: HandlerClass | 'bi'): { id: string; clientId: string; principalId: string } {
  return { id: `identity_${owner}_id`, clientId: `identity_${owner}_client_id`, principalId: `identity_${owner}_principal_id` };
}

/** Log Analytics keeps data for 30 to 730 days (interactive retention). */
export const LOG_ANALYTICS_RETENTION_DAYS = { min: 30, max: 730 } as const;

/** Built-in Azure roles, by name (the names are stable across tenants). */
const ROLES = {
  /** Create keys and set their rotation policy: Terraform itself. */
  cryptoOfficer: 'Key Vault Crypto Officer',
  /** Get, wrap and unwrap keys: what a storage account needs for its CMK. */
  cryptoServiceEncryptionUser: 'Key Vault Crypto Service Encryption User',
  /** Read, write and delete blobs: Databricks on each layer container. */
  blobDataContributor: 'Storage Blob Data Contributor',
} as const;

export function logAnalyticsRetentionDays(environment: Environment): number {
  const { min, max } = LOG_ANALYTICS_RETENTION_DAYS;
  return Math.min(max, Math.max(min, environment.retention.logRetentionDays));
}

export function lakeStorageAccountName(environment: Environment): string {
  return environment.azure.storageAccountName ?? `strata${environment.name}lake`;
}

export function keyVaultName(environment: Environment): string {
  return environment.azure.keyVaultName ?? `kv-strata-${environment.name}`;
}
