/**
 * One handler class on Azure Functions: a Flex Consumption plan and app that
 * deploys the shared bundle and serves only that class's handlers, running as
 * the class's user-assigned identity (which the platform stack scoped to the
 * layer containers the class may touch).
 *
 * Steps arrive asynchronously (Data Factory WebHook activities): the app's
 * HTTP functions put them on the class's step queue in the runtime storage
 * account, and its queue function runs them; the identity may use that queue
 * (and its poison queue) only.
 *
 * The app's default function key, which Data Factory's WebHooks send, is
 * copied into Key Vault; it lives in Terraform state and the vault, never in
 * the synthesized JSON (the pipelines read it at run time).
 *
 * With a private network (`network.publicAccess` false), the runtime account
 * has public network access off and private endpoints for the services the
 * Functions host uses (blob: keys, leases, the package; queue: the step
 * queues; table: the host's diagnostic events), and the app integrates with
 * the functions subnet, so it reaches them, the lake and the vault privately.
 * The app takes a private endpoint too, but its public endpoint stays on,
 * restricted to Data Factory's service tag: the WebHook activities that call
 * it cannot run on a managed virtual network (they have no connectVia), so
 * with public access off no pipeline could reach it. Its SCM (deployment) site
 * denies every public caller: the bundle is published from inside the network.
 */
import { DataResource, type ITerraformDependable, type TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights/index.js';
import { DataAzurermFunctionAppHostKeys } from '@cdktf/provider-azurerm/lib/data-azurerm-function-app-host-keys/index.js';
import { FunctionAppFlexConsumption } from '@cdktf/provider-azurerm/lib/function-app-flex-consumption/index.js';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret/index.js';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { ServicePlan } from '@cdktf/provider-azurerm/lib/service-plan/index.js';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container/index.js';
import { StorageQueue } from '@cdktf/provider-azurerm/lib/storage-queue/index.js';
import { lambdaSizingFor, type Environment, type HandlerClass } from '../../../config/schema.ts';
import { APP_SETTINGS, STEP_QUEUE_CONNECTION, stepQueueName } from '../../../lambdas/entrypoints/azure/app-settings.ts';
import { resourceName } from '../../shared/naming.ts';
import { PrivateEndpoints, type PrivateEndpointNetwork, type PrivateLinkSubresource } from '../private-endpoints.ts';
import { SECURE_STORAGE_ACCOUNT, storageNetworkAccess } from '../secure-storage-account.ts';

export interface HandlerFunctionAppProps {
  /** The environment, parsed and with every default applied; memory and timeout come from its sizing.lambda for the class. */
  readonly environment: Environment;
  /** The class whose handlers the app registers (its STRATA_HANDLER_CLASS). */
  readonly handlerClass: HandlerClass;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The class's user-assigned identity (platform stack outputs). */
  readonly identity: { readonly id: string; readonly clientId: string; readonly principalId: string };
  /** The function bundle zip (one for every app), as an asset of the stack. */
  readonly bundle: TerraformAsset;
  /** The bundle's SHA-256: a new bundle deploys again. */
  readonly bundleSha256: string;
  /** Where the app's telemetry goes, authenticated with the identity. */
  readonly appInsights: ApplicationInsights;
  /** App settings every class shares (lake, warehouse, vault, handler settings). */
  readonly appSettings: Readonly<Record<string, string>>;
  /** Receives the app's host key as a secret. */
  readonly keyVaultId: string;
  readonly logAnalyticsWorkspaceId: string;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * What writing the host key secret waits for (the deployer's secrets role on the vault).
   * @default - nothing
   */
  readonly secretDependsOn?: ITerraformDependable[];
  /**
   * Most instances the app scales out to.
   * @default - the Flex Consumption default (100)
   */
  readonly maximumInstanceCount?: number;
  /**
   * The private network: where the runtime account's and the app's endpoints go, and the subnet the app integrates with.
   * @default - public endpoints, no virtual network integration
   */
  readonly network?: { readonly endpoints: PrivateEndpointNetwork; readonly functionsSubnetId: string };
}

/** The runtime account's services the Functions host uses, each a private endpoint when the network is private. */
export const RUNTIME_STORAGE_SUBRESOURCES: readonly PrivateLinkSubresource[] = ['blob', 'queue', 'table'];

/** The one caller the app's public endpoint admits when the network is private: Data Factory's integration runtime (the WebHooks). */
export const FUNCTION_CALLER_SERVICE_TAG = 'DataFactory';

/** Instance sizes a Flex Consumption app can run on, in MB. */
export const FLEX_INSTANCE_MEMORY_MB = [512, 2048, 4096] as const;

/**
 * The Flex instance size for a Lambda-style memory setting: the smallest that
 * is at least as large, or the largest there is (4096 MB) above that.
 */
export function flexInstanceMemoryMb(memoryMb: number): (typeof FLEX_INSTANCE_MEMORY_MB)[number] {
  return FLEX_INSTANCE_MEMORY_MB.find((size) => size >= memoryMb) ?? FLEX_INSTANCE_MEMORY_MB[FLEX_INSTANCE_MEMORY_MB.length - 1]!;
}

/** host.json's functionTimeout (`hh:mm:ss`) for a timeout in seconds. */
export function hostFunctionTimeout(seconds: number): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** The Key Vault secret that holds a class's function app host key. */
export function functionKeySecretName(handlerClass: HandlerClass): string {
  return `function-key-${handlerClass}`;
}

/**
 * The command Terraform runs to publish the bundle: `az functionapp deployment source config-zip`, which
 * publishes to Flex Consumption apps through OneDeploy (Azure CLI 2.60 or later, signed in as a principal that
 * may deploy the app). The app by its resource id, which carries its subscription: the CLI's default
 * subscription need not be the one Terraform deploys to. A Terraform reference, resolved at apply.
 */
export function flexDeployCommand(appId: string, bundlePath: string): string {
  return `az functionapp deployment source config-zip --ids "${appId}" --src "${bundlePath}"`;
}

/** Built-in roles the app's identity needs beyond the lake (granted here, not in the platform stack). */
const ROLES = {
  /** AzureWebJobsStorage with an identity (host keys, leases) and the Flex deployment package. */
  runtimeStorage: 'Storage Blob Data Owner',
  /** Application Insights with local auth disabled accepts telemetry from this role only. */
  telemetry: 'Monitoring Metrics Publisher',
  /**
   * The step queue with an identity-based connection, per Microsoft's table for the Queue Storage
   * extension: the output binding needs Storage Queue Data Contributor (or Message Sender), the trigger
   * Storage Queue Data Reader and Message Processor; Contributor covers reading and sending.
   */
  queueContributor: 'Storage Queue Data Contributor',
  queueProcessor: 'Storage Queue Data Message Processor',
} as const;

/** The queue the Functions host moves a message to after its last failed delivery (`<queue>-poison`). */
export const poisonQueueName = (queueName: string): string => `${queueName}-poison`;

/**
 * The app's own runtime storage account (host keys, leases, its deployment package, its step
 * queues): `stfn<env><class>`, within the 24 characters Azure allows for any environment name.
 */
export function functionStorageAccountName(environment: Environment, handlerClass: HandlerClass): string {
  return `stfn${environment.name}${handlerClass}`;
}

export class HandlerFunctionApp extends Construct {
  readonly plan: ServicePlan;
  /** The app's own: its identity owns the blobs in it, so no app can touch another's package or keys. */
  readonly runtimeStorage: StorageAccount;
  readonly app: FunctionAppFlexConsumption;
  readonly deploymentContainer: StorageContainer;
  /** Publishes the bundle to the app (OneDeploy, through the Azure CLI of the machine that applies). */
  readonly codeDeployment: DataResource;
  /** The function key in Key Vault, which the pipelines read at run time. */
  readonly functionKeySecret: KeyVaultSecret;
  /** `https://<default hostname>`: Data Factory's WebHooks POST to `<url>/api/<handler>`. */
  readonly url: string;
  /** The step queue (the HTTP functions write it, the queue function reads it) and its poison queue. */
  readonly stepQueue: StorageQueue;
  readonly poisonQueue: StorageQueue;
  /** The runtime account's and the app's private endpoints; only with a private network. */
  readonly privateEndpoints: PrivateEndpoints[] = [];

  constructor(scope: Construct, id: string, props: HandlerFunctionAppProps) {
    super(scope, id);
    const { environment, handlerClass, identity, resourceGroupName, location, tags, network } = props;
    const sizing = lambdaSizingFor(environment, handlerClass);

    this.plan = new ServicePlan(this, 'plan', {
      name: resourceName(environment, handlerClass, 'plan'),
      resourceGroupName,
      location,
      osType: 'Linux',
      skuName: 'FC1',
      tags,
    });

    this.runtimeStorage = new StorageAccount(this, 'runtime_storage_account', {
      name: functionStorageAccountName(environment, handlerClass),
      resourceGroupName,
      location,
      ...SECURE_STORAGE_ACCOUNT,
      ...storageNetworkAccess(network === undefined),
      tags,
    });
    const runtimeStorage = this.runtimeStorage;
    const endpoints = (id: string, targetName: string, targetResourceId: string, subresources: readonly PrivateLinkSubresource[]) => {
      if (network) this.privateEndpoints.push(new PrivateEndpoints(this, id, { environment, targetName, targetResourceId, subresources, network: network.endpoints, resourceGroupName, location, tags }));
    };
    endpoints('runtime_storage_endpoints', `fn-${handlerClass}-storage`, runtimeStorage.id, RUNTIME_STORAGE_SUBRESOURCES);

    // Flex keeps the app's package in a container of its runtime account.
    this.deploymentContainer = new StorageContainer(this, 'deployment', {
      name: `deploy-${handlerClass}`,
      storageAccountId: runtimeStorage.id,
      containerAccessType: 'private',
    });
    const canUseRuntimeStorage = new RoleAssignment(this, 'runtime_storage', {
      scope: runtimeStorage.id,
      roleDefinitionName: ROLES.runtimeStorage,
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
      description: `The ${handlerClass} function app reads its deployment package and keeps its host state (keys, leases).`,
    });
    // The class's step queue and the poison queue the host moves failed messages to, declared here so
    // the identity's queue roles can be scoped to them (not the account): no other app's steps.
    this.stepQueue = new StorageQueue(this, 'step_queue', { name: stepQueueName(handlerClass), storageAccountId: runtimeStorage.id });
    this.poisonQueue = new StorageQueue(this, 'poison_queue', { name: poisonQueueName(stepQueueName(handlerClass)), storageAccountId: runtimeStorage.id });
    const canUseQueues = [this.stepQueue, this.poisonQueue].flatMap((queue, index) =>
      [ROLES.queueContributor, ROLES.queueProcessor].map(
        (role, roleIndex) =>
          new RoleAssignment(this, `queue_${index}_${roleIndex}`, {
            // With storage_account_id, the queue's id is its Resource Manager id (…/queueServices/default/queues/<name>).
            scope: queue.id,
            roleDefinitionName: role,
            principalId: identity.principalId,
            principalType: 'ServicePrincipal',
            description: `The ${handlerClass} function app ${index === 0 ? 'queues and runs its steps' : 'keeps the steps it could not deliver'} (${role}).`,
          }),
      ),
    );
    const canSendTelemetry = new RoleAssignment(this, 'telemetry', {
      scope: props.appInsights.id,
      roleDefinitionName: ROLES.telemetry,
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
      description: `The ${handlerClass} function app sends telemetry to Application Insights (local auth is off).`,
    });

    this.app = new FunctionAppFlexConsumption(this, 'app', {
      name: resourceName(environment, handlerClass, 'fn'),
      resourceGroupName,
      location,
      servicePlanId: this.plan.id,
      runtimeName: 'node',
      runtimeVersion: '22',
      instanceMemoryInMb: flexInstanceMemoryMb(sizing.memoryMb),
      ...(props.maximumInstanceCount === undefined ? {} : { maximumInstanceCount: props.maximumInstanceCount }),
      storageContainerType: 'blobContainer',
      storageContainerEndpoint: `${runtimeStorage.primaryBlobEndpoint}${this.deploymentContainer.name}`,
      storageAuthenticationType: 'UserAssignedIdentity',
      storageUserAssignedIdentityId: identity.id,
      identity: { type: 'UserAssigned', identityIds: [identity.id] },
      httpsOnly: true,
      // Data Factory calls the functions over their public endpoint with the host key (restricted to its
      // service tag when the network is private: see the header).
      publicNetworkAccessEnabled: true,
      ...(network ? { virtualNetworkSubnetId: network.functionsSubnetId } : {}),
      appSettings: {
        ...props.appSettings,
        [APP_SETTINGS.handlerClass]: handlerClass,
        [APP_SETTINGS.clientId]: identity.clientId,
        // The host's own storage, with the identity instead of a connection string.
        AzureWebJobsStorage__accountName: runtimeStorage.name,
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: identity.clientId,
        // The step queue's connection (STEP_QUEUE_CONNECTION is AzureWebJobsStorage): its queue endpoint, same identity.
        [`${STEP_QUEUE_CONNECTION}__queueServiceUri`]: runtimeStorage.primaryQueueEndpoint,
        // Telemetry with Entra ID: the component has local authentication disabled.
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${identity.clientId};Authorization=AAD`,
        // host.json override: the class's timeoutSeconds, as the Lambda timeout on AWS.
        AzureFunctionsJobHost__functionTimeout: hostFunctionTimeout(sizing.timeoutSeconds),
      },
      siteConfig: {
        applicationInsightsConnectionString: props.appInsights.connectionString,
        minimumTlsVersion: '1.2',
        scmMinimumTlsVersion: '1.2',
        http2Enabled: true,
        remoteDebuggingEnabled: false,
        ...(network
          ? {
              // Everything, not only private ranges, through the network: the private DNS zones answer for the lake, the vault and the runtime account.
              vnetRouteAllEnabled: true,
              ipRestrictionDefaultAction: 'Deny',
              ipRestriction: [{ name: 'data-factory', description: 'Data Factory WebHook activities (Azure integration runtime)', serviceTag: FUNCTION_CALLER_SERVICE_TAG, action: 'Allow', priority: 100 }],
              scmIpRestrictionDefaultAction: 'Deny',
              scmUseMainIpRestriction: false,
            }
          : {}),
      },
      tags: { ...tags, 'strata:handler-class': handlerClass },
      dependsOn: [canUseRuntimeStorage, canSendTelemetry, ...canUseQueues],
    });
    this.url = `https://${this.app.defaultHostname}`;
    endpoints('app_endpoints', `fn-${handlerClass}`, this.app.id, ['sites']);

    // The code, through OneDeploy: Flex Consumption has no /api/zipdeploy, which the provider's zip_deploy_file
    // calls (terraform-provider-azurerm #29630). The Azure CLI publishes to Flex apps with OneDeploy
    // (/api/publish), as the Functions team documents; Terraform runs it whenever the bundle or the app changes.
    this.codeDeployment = new DataResource(this, 'code', {
      triggersReplace: { bundleSha256: props.bundleSha256, appId: this.app.id },
      provisioners: [
        {
          type: 'local-exec',
          command: flexDeployCommand(this.app.id, props.bundle.path),
        },
      ],
      dependsOn: [this.app],
    });

    const hostKeys = new DataAzurermFunctionAppHostKeys(this, 'host_keys', {
      name: this.app.name,
      resourceGroupName,
      // Read once the code is there: the default function key belongs to the deployed functions.
      dependsOn: [this.codeDeployment],
    });
    this.functionKeySecret = new KeyVaultSecret(this, 'function_key', {
      name: functionKeySecretName(handlerClass),
      keyVaultId: props.keyVaultId,
      // A reference: the key itself is read at apply time and stays in state and the vault.
      value: hostKeys.defaultFunctionKey,
      contentType: `Function key of ${this.app.name} (Azure Functions), read by the Data Factory pipelines at run time`,
      tags,
      dependsOn: props.secretDependsOn,
    });

    new MonitorDiagnosticSetting(this, 'diagnostics', {
      name: resourceName(environment, handlerClass, 'fn', 'logs'),
      targetResourceId: this.app.id,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: [{ category: 'FunctionAppLogs' }],
      enabledMetric: [{ category: 'AllMetrics' }],
    });
  }
}
