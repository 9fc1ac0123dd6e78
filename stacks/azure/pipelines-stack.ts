/**
 * The three flows on managed Azure services: Azure Data Factory pipelines
 * with schedule triggers orchestrate, one Flex Consumption function app per
 * handler class runs the handlers (the same bundle everywhere), and the SQL
 * runs on the workspace stack's pipelines warehouse.
 *
 * The platform and workspace stacks' outputs are read through explicit
 * `terraform_remote_state` data sources in the same backend, so apply them
 * first (the manifest records the dependencies).
 *
 * Unless `network.publicAccess` is true, the function apps integrate with the
 * platform's virtual network and their storage takes private endpoints
 * (pipelines/handler-function-app.ts), and the factory gets a managed virtual
 * network whose integration runtime reads the function keys from the vault
 * through a managed private endpoint (approved once after the first apply:
 * docs/azure.md, Private networking).
 */
import { resolve } from 'node:path';
import { AssetType, TerraformAsset, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights/index.js';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js';
import { DataFactory } from '@cdktf/provider-azurerm/lib/data-factory/index.js';
import { DataFactoryCredentialUserManagedIdentity } from '@cdktf/provider-azurerm/lib/data-factory-credential-user-managed-identity/index.js';
import { DataFactoryLinkedCustomService } from '@cdktf/provider-azurerm/lib/data-factory-linked-custom-service/index.js';
import { DataFactoryIntegrationRuntimeAzure } from '@cdktf/provider-azurerm/lib/data-factory-integration-runtime-azure/index.js';
import { DataFactoryManagedPrivateEndpoint } from '@cdktf/provider-azurerm/lib/data-factory-managed-private-endpoint/index.js';
import { EventgridTopic } from '@cdktf/provider-azurerm/lib/eventgrid-topic/index.js';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret/index.js';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group/index.js';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert/index.js';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { LANDING_PREFIX } from '../../pipelines/contract/lake-layout.ts';
import { lambdaSizingFor, type Environment, type HandlerClass, type Layer } from '../../config/schema.ts';
import { trainingEngineOn } from '../../config/training-engine.ts';
import { catalogFor } from '../../pipelines/workloads/registry.ts';
import { flowsFor, HANDLERS, type FlowDefinition } from '../../pipelines/flows/index.ts';
import { keyVaultSecretName } from '../../lambdas/adapters/azure/key-vault-secret-store.ts';
import { APP_SETTINGS, STEP_ATTEMPTS, STEP_RETRY_DELAY_SECONDS } from '../../lambdas/entrypoints/azure/app-settings.ts';
import { handlerSettings } from '../../lambdas/handlers/handler-ports.ts';
import { platformTags, resourceName } from '../shared/naming.ts';
import { configureBackend, remoteStackState, STACK_NAMES } from './backend.ts';
import type { DatabricksJobTargets, DataFactoryTargets } from './flows/data-factory-activities.ts';
import { identityOutputs, PLATFORM_OUTPUTS, privateDnsZoneOutput, type PlatformStack } from './platform-stack.ts';
import { PRIVATE_LINK_SUBRESOURCES, type PrivateLinkSubresource } from './private-endpoints.ts';
import { FlowPipeline } from './pipelines/flow-pipeline.ts';
import { HandlerFunctionApp } from './pipelines/handler-function-app.ts';
import { WORKSPACE_OUTPUTS, type WorkspaceStack } from './workspace-stack.ts';
import { managedModels } from '../../lambdas/ml/managed-xgboost.ts';

export interface PipelinesStackProps {
  /** The environment, parsed and with every default applied. */
  readonly environment: Environment;
  /** Platform version (`<package version>+<commit>`), tagged on every resource and passed to the handlers. */
  readonly version: string;
  /** The function bundle zip every app deploys (built once per synth, outside the stacks' folders) and its SHA-256. */
  readonly bundle: { readonly zipPath: string; readonly sha256: string };
  /**
   * The platform stack whose outputs the stack reads; recorded as a dependency.
   * @default - none: the outputs are still read from the platform state, but no dependency is recorded
   */
  readonly platform?: PlatformStack;
  /**
   * The workspace stack whose outputs the stack reads; recorded as a dependency.
   * @default - none: the outputs are still read from the workspace state, but no dependency is recorded
   */
  readonly workspace?: WorkspaceStack;
}

/** The API poller's pipeline: on AWS a schedule invokes its Lambda directly, on Azure a one-activity pipeline. */
export const POLL_API_FLOW: FlowDefinition = {
  name: 'ingest',
  description: 'Polls the HTTP JSON sources into raw (schedules.ingest), straight to its handler.',
  schedule: 'ingest',
  steps: [{ kind: 'task', name: 'PollApi', handler: 'poll-api', input: { runId: '$$.Execution.Name' }, resultPath: '$.polled' }],
};
export const POLL_API_PIPELINE = 'poll-api';

/** Handler classes that have handlers, in HANDLERS order: one function app each. */
export const FUNCTION_APP_CLASSES: readonly HandlerClass[] = [...new Set(Object.values(HANDLERS).map((handler) => handler.handlerClass))];

/** The value an API key secret is created with: not a key, a note to replace it. */
export const API_KEY_PLACEHOLDER = 'replace-with-the-provider-api-key';

/** Built-in roles granted in this stack. */
const ROLES = {
  /** Terraform writes the function keys into the vault. */
  secretsOfficer: 'Key Vault Secrets Officer',
  /** Data Factory's key activities read the function keys (Web activity, managed identity); the ingest handlers read the API keys. */
  secretsUser: 'Key Vault Secrets User',
  /** Data Factory's notify steps publish to the topic (local auth is off). */
  eventGridSender: 'EventGrid Data Sender',
} as const;

export class PipelinesStack extends TerraformStack {
  readonly dataFactory: DataFactory;
  readonly functionApps: Record<HandlerClass, HandlerFunctionApp>;
  /** Per flow name, plus `poll-api`. */
  readonly pipelines: Record<string, FlowPipeline>;
  readonly notificationTopic: EventgridTopic;
  readonly failedRunsAlert: MonitorMetricAlert;
  readonly bundleAsset: TerraformAsset;
  /** The HTTP sources' API keys (placeholders until an operator sets them). */
  readonly apiKeySecrets: KeyVaultSecret[];
  /** The managed virtual network's integration runtime and its private endpoint to the vault; only when network.publicAccess is false. */
  readonly managedNetwork?: { readonly runtime: DataFactoryIntegrationRuntimeAzure; readonly vaultEndpoint: DataFactoryManagedPrivateEndpoint };
  /** The linked service the Databricks Job activities run through, as the ml identity; only with sizing.training.engine databricks. */
  readonly databricksJobs?: { readonly credential: DataFactoryCredentialUserManagedIdentity; readonly linkedService: DataFactoryLinkedCustomService };

  constructor(scope: Construct, props: PipelinesStackProps) {
    // The stack name is the folder under `<outdir>/stacks/` and part of the state key.
    const stackName = STACK_NAMES.pipelines;
    super(scope, stackName);
    const { environment, version } = props;
    const tags = platformTags(environment, version);
    const trainingEngine = trainingEngineOn(environment, 'azure');

    configureBackend(this, environment, stackName);
    if (props.platform) this.addDependency(props.platform);
    if (props.workspace) this.addDependency(props.workspace);
    const platform = remoteStackState(this, 'platform', environment, STACK_NAMES.platform);
    const workspace = remoteStackState(this, 'workspace', environment, STACK_NAMES.workspace);
    new AzurermProvider(this, 'azurerm', {
      // Shared keys are off on the runtime storage account: data-plane calls use Entra ID...
      storageUseAzuread: true,
      features: [
        {
          // ...and there are none: containers go through Azure Resource Manager.
          storage: [{ dataPlaneAvailable: false }],
          keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedSecrets: true }],
          applicationInsights: [{ disableGeneratedRule: true }],
        },
      ],
    });
    const client = new DataAzurermClientConfig(this, 'current');

    const resourceGroupName = platform.getString(PLATFORM_OUTPUTS.resourceGroupName);
    const location = platform.getString(PLATFORM_OUTPUTS.location);
    const keyVaultId = platform.getString(PLATFORM_OUTPUTS.keyVaultId);
    const logAnalyticsWorkspaceId = platform.getString(PLATFORM_OUTPUTS.logAnalyticsWorkspaceId);
    const { publicAccess } = environment.network;
    // The platform stack outputs the network only when it built one.
    const network = publicAccess
      ? undefined
      : {
          endpoints: {
            subnetId: platform.getString(PLATFORM_OUTPUTS.privateEndpointSubnetId),
            dnsZoneIds: Object.fromEntries(PRIVATE_LINK_SUBRESOURCES.map((subresource) => [subresource, platform.getString(privateDnsZoneOutput(subresource))])) as Record<PrivateLinkSubresource, string>,
          },
          functionsSubnetId: platform.getString(PLATFORM_OUTPUTS.functionsSubnetId),
        };

    // ------------------------------------------------------------ function runtime
    const appInsights = new ApplicationInsights(this, 'functions_insights', {
      name: resourceName(environment, 'functions', 'insights'),
      resourceGroupName,
      location,
      applicationType: 'Node.JS',
      // Workspace-based: telemetry (and its retention) lives in the platform's Log Analytics workspace.
      workspaceId: logAnalyticsWorkspaceId,
      // Telemetry with Entra ID only (each app's identity holds Monitoring Metrics Publisher).
      localAuthenticationDisabled: true,
      tags,
    });


    // Terraform copies the bundle next to this stack's JSON (assets/function_bundle/<sha256>/...):
    // the path each app's code deployment publishes changes exactly when the bundle's content does.
    this.bundleAsset = new TerraformAsset(this, 'function_bundle', {
      path: resolve(props.bundle.zipPath),
      type: AssetType.FILE,
      assetHash: props.bundle.sha256,
    });

    const deployerCanWriteSecrets = new RoleAssignment(this, 'deployer_secrets_officer', {
      scope: keyVaultId,
      roleDefinitionName: ROLES.secretsOfficer,
      principalId: client.objectId,
      description: 'Terraform writes the function apps keys into the vault for Data Factory.',
    });

    // The HTTP sources' API keys, as on AWS: created here with a placeholder that an operator
    // replaces with the provider's key after the first apply (Terraform then leaves the value alone).
    // Only the ingest identity may read them, each secret on its own.
    // Keyed by the secret's name, not its position: a source added in front must not move (and so
    // recreate with the placeholder) a secret an operator has already filled in.
    this.apiKeySecrets = catalogFor(environment.workloads).sources(environment.name).map((source) => {
      const secretName = keyVaultSecretName(source.apiKeySecret);
      const secret = new KeyVaultSecret(this, `api_key_${secretName.replaceAll('-', '_')}`, {
        name: secretName,
        keyVaultId,
        value: API_KEY_PLACEHOLDER,
        contentType: `API key of the ${source.name} source; put the provider's key here after the first apply.`,
        tags,
        dependsOn: [deployerCanWriteSecrets],
        lifecycle: { ignoreChanges: ['value'] },
      });
      new RoleAssignment(this, `api_key_${secretName.replaceAll('-', '_')}_reader`, {
        scope: secret.resourceVersionlessId,
        roleDefinitionName: ROLES.secretsUser,
        principalId: platform.getString(identityOutputs('ingest').principalId),
        principalType: 'ServicePrincipal',
        description: `The ingest handlers read the ${source.name} API key.`,
      });
      return secret;
    });

    const mlflowOn = environment.sizing.mlflow.mode !== 'off';
    const sharedSettings: Record<string, string> = {
      // Managed steps run their handlers (the embedded engine in the ml app) unless the Databricks jobs run them.
      [APP_SETTINGS.settings]: JSON.stringify(handlerSettings(environment, version, trainingEngine)),
      [APP_SETTINGS.storageAccount]: platform.getString(PLATFORM_OUTPUTS.storageAccountName),
      [APP_SETTINGS.databricksHost]: `https://${platform.getString(PLATFORM_OUTPUTS.workspaceUrl)}`,
      [APP_SETTINGS.warehouseId]: workspace.getString(WORKSPACE_OUTPUTS.pipelineWarehouseId),
      [APP_SETTINGS.keyVaultUri]: platform.getString(PLATFORM_OUTPUTS.keyVaultUri),
      ...(mlflowOn ? { [APP_SETTINGS.mlflowExperimentFolder]: workspace.getString(WORKSPACE_OUTPUTS.mlflowExperimentFolder) } : {}),
    };

    this.functionApps = {} as Record<HandlerClass, HandlerFunctionApp>;
    for (const handlerClass of FUNCTION_APP_CLASSES) {
      const outputs = identityOutputs(handlerClass);
      this.functionApps[handlerClass] = new HandlerFunctionApp(this, `functions_${handlerClass}`, {
        environment,
        handlerClass,
        resourceGroupName,
        location,
        identity: {
          id: platform.getString(outputs.id),
          clientId: platform.getString(outputs.clientId),
          principalId: platform.getString(outputs.principalId),
        },
        bundle: this.bundleAsset,
        bundleSha256: props.bundle.sha256,
        appInsights,
        appSettings: sharedSettings,
        keyVaultId,
        logAnalyticsWorkspaceId,
        tags,
        secretDependsOn: [deployerCanWriteSecrets],
        network,
      });
    }

    // ------------------------------------------------------------ notifications
    this.notificationTopic = new EventgridTopic(this, 'notifications', {
      name: resourceName(environment, 'pipeline', 'notifications'),
      resourceGroupName,
      location,
      inputSchema: 'EventGridSchema',
      // Publishers authenticate with Entra ID (Data Factory's identity), never with topic keys.
      localAuthEnabled: false,
      publicNetworkAccessEnabled: true,
      tags,
    });

    // ------------------------------------------------------------ data factory
    const mlIdentity = identityOutputs('ml');
    const databricksTraining = trainingEngine === 'databricks';
    this.dataFactory = new DataFactory(this, 'factory', {
      name: resourceName(environment, 'adf'),
      resourceGroupName,
      location,
      // With the Databricks jobs, the ml identity too: the factory starts them as the ml principal (below).
      identity: databricksTraining ? { type: 'SystemAssigned, UserAssigned', identityIds: [platform.getString(mlIdentity.id)] } : { type: 'SystemAssigned' },
      // Public: no self-hosted or managed-VNet integration runtime; the functions, the vault and the
      // topic are reached over their public endpoints with Entra ID or the vaulted function key.
      // Private: a managed virtual network for the vault (below); the functions and the topic as before.
      publicNetworkEnabled: true,
      managedVirtualNetworkEnabled: !publicAccess,
      tags,
    });
    const factoryPrincipal = this.dataFactory.identity.principalId;
    const factoryReadsSecrets = new RoleAssignment(this, 'factory_secrets_user', {
      scope: keyVaultId,
      roleDefinitionName: ROLES.secretsUser,
      principalId: factoryPrincipal,
      principalType: 'ServicePrincipal',
      description: 'Data Factory pipelines read the function keys (Web activities with the factory identity).',
    });
    const factoryPublishes = new RoleAssignment(this, 'factory_event_sender', {
      scope: this.notificationTopic.id,
      roleDefinitionName: ROLES.eventGridSender,
      principalId: factoryPrincipal,
      principalType: 'ServicePrincipal',
      description: 'The flows notify steps publish run summaries to the notification topic.',
    });

    if (!publicAccess) {
      const runtime = new DataFactoryIntegrationRuntimeAzure(this, 'factory_managed_runtime', {
        name: MANAGED_RUNTIME_NAME,
        dataFactoryId: this.dataFactory.id,
        location: 'AutoResolve',
        virtualNetworkEnabled: true,
        description: 'Azure integration runtime in the factory managed virtual network: the function-key reads reach the vault through its managed private endpoint.',
      });
      // Pending until approved on the vault (the factory owns the endpoint, the vault the connection): docs/azure.md.
      const vaultEndpoint = new DataFactoryManagedPrivateEndpoint(this, 'factory_vault_endpoint', {
        name: 'key-vault',
        dataFactoryId: this.dataFactory.id,
        targetResourceId: keyVaultId,
        subresourceName: 'vault',
      });
      this.managedNetwork = { runtime, vaultEndpoint };
    }

    // The Databricks Job activities sign in to the workspace as the ml identity, whose Databricks service principal
    // may run the jobs (CAN_MANAGE_RUN) and nothing else there beyond the ml handlers' own grants; the factory's own
    // identity would need the Contributor role on the workspace to be let in, which manages the workspace itself.
    let databricksJobs: DatabricksJobTargets | undefined;
    if (databricksTraining) {
      const credential = new DataFactoryCredentialUserManagedIdentity(this, 'factory_ml_credential', {
        name: 'ml-identity',
        dataFactoryId: this.dataFactory.id,
        identityId: platform.getString(mlIdentity.id),
        description: 'The ml handlers identity: the retrain pipeline starts the managed models Databricks jobs as it.',
      });
      // A custom linked service: the typed azurerm one describes the cluster the Notebook and Python activities
      // create (existing cluster, pool or new cluster); the job activity runs on the job's own job cluster.
      const linkedService = new DataFactoryLinkedCustomService(this, 'factory_databricks', {
        name: DATABRICKS_LINKED_SERVICE,
        dataFactoryId: this.dataFactory.id,
        type: 'AzureDatabricks',
        description: 'The Databricks workspace, as the ml identity: runs the managed models XGBoost jobs.',
        typePropertiesJson: JSON.stringify({
          domain: `https://${platform.getString(PLATFORM_OUTPUTS.workspaceUrl)}`,
          authentication: 'MSI',
          workspaceResourceId: platform.getString(PLATFORM_OUTPUTS.workspaceResourceId),
          credential: { referenceName: credential.name, type: 'CredentialReference' },
        }),
      });
      this.databricksJobs = { credential, linkedService };
      const jobModels = new Set(managedModels(environment).map((model) => model.name));
      databricksJobs = {
        linkedServiceName: linkedService.name,
        jobId: (model) => (jobModels.has(model) ? workspace.getString(WORKSPACE_OUTPUTS.trainingJobId(model)) : undefined),
        timeout: dataFactoryTimeSpan(databricksJobWaitSeconds(environment.sizing.training.maxRuntimeMinutes)),
      };
    }

    const vaultUri = platform.getString(PLATFORM_OUTPUTS.keyVaultUri);
    const targets: DataFactoryTargets = {
      functionUrl: (handlerClass) => this.functionApps[handlerClass].url,
      // The secret's name by reference: Terraform writes the secret before the pipelines that read it.
      functionKeySecretUrl: (handlerClass) => keyVaultSecretUrl(vaultUri, this.functionApps[handlerClass].functionKeySecret.name),
      // The class's timeoutSeconds (as on AWS; the host's functionTimeout too) plus the time a step may
      // wait in the queue and its callback take: the WebHook fails the step when no callback came by then.
      activityTimeout: (handlerClass) => dataFactoryTimeSpan(stepCallbackWaitSeconds(lambdaSizingFor(environment, handlerClass).timeoutSeconds)),
      notificationEndpoint: this.notificationTopic.endpoint,
      environmentName: environment.name,
      ...(this.managedNetwork ? { keyVaultRuntime: MANAGED_RUNTIME_NAME } : {}),
      ...(databricksJobs ? { databricksJobs } : {}),
    };
    // Referenced by name or URL only in activities_json: the factory's roles (and runtime, and linked service) must be in place first.
    const dependsOn = [factoryReadsSecrets, factoryPublishes, ...(this.managedNetwork ? [this.managedNetwork.runtime, this.managedNetwork.vaultEndpoint] : [])];
    // Only the retrain pipeline runs the jobs.
    const flowDependsOn = (flow: FlowDefinition) => (this.databricksJobs && flow.name === 'retrain' ? [...dependsOn, this.databricksJobs.linkedService] : dependsOn);
    this.pipelines = {};
    for (const flow of flowsFor(catalogFor(environment.workloads))) {
      this.pipelines[flow.name] = new FlowPipeline(this, `flow_${flow.name}`, {
        dataFactoryId: this.dataFactory.id,
        flow,
        pipelineName: flow.name,
        description: flow.description,
        targets,
        schedule: environment.schedules[flow.schedule],
        scheduleKeyPath: `schedules.${flow.schedule}`,
        landing: { storageAccountId: platform.getString(PLATFORM_OUTPUTS.storageAccountId), container: 'raw' satisfies Layer, prefix: LANDING_PREFIX },
        dependsOn: flowDependsOn(flow),
      });
    }
    // Workloads without HTTP sources have nothing to poll: no pipeline or trigger for the poller.
    if (this.apiKeySecrets.length > 0) {
      this.pipelines[POLL_API_PIPELINE] = new FlowPipeline(this, 'flow_poll_api', {
        dataFactoryId: this.dataFactory.id,
        flow: POLL_API_FLOW,
        pipelineName: POLL_API_PIPELINE,
        description: POLL_API_FLOW.description,
        targets,
        schedule: environment.schedules[POLL_API_FLOW.schedule],
        scheduleKeyPath: `schedules.${POLL_API_FLOW.schedule}`,
        dependsOn,
      });
    }

    // ------------------------------------------------------------ failed runs and diagnostics
    const failures = new MonitorActionGroup(this, 'failures', {
      name: resourceName(environment, 'pipeline', 'failures'),
      resourceGroupName,
      shortName: `strata${environment.name}`.slice(0, 12),
      tags,
    });
    this.failedRunsAlert = new MonitorMetricAlert(this, 'failed_runs', {
      name: resourceName(environment, 'pipeline', 'failed', 'runs'),
      resourceGroupName,
      scopes: [this.dataFactory.id],
      description: `A Strata ${environment.name} pipeline run failed (Data Factory PipelineFailedRuns > 0).`,
      severity: 1,
      frequency: 'PT1M',
      windowSize: 'PT5M',
      criteria: [
        {
          metricNamespace: 'Microsoft.DataFactory/factories',
          metricName: 'PipelineFailedRuns',
          aggregation: 'Total',
          operator: 'GreaterThan',
          threshold: 0,
        },
      ],
      action: [{ actionGroupId: failures.id }],
      tags,
    });

    new MonitorDiagnosticSetting(this, 'factory_diagnostics', {
      name: resourceName(environment, 'adf', 'logs'),
      targetResourceId: this.dataFactory.id,
      logAnalyticsWorkspaceId,
      // Resource-specific tables (ADFPipelineRun, ADFActivityRun, ADFTriggerRun).
      logAnalyticsDestinationType: 'Dedicated',
      enabledLog: [{ category: 'PipelineRuns' }, { category: 'ActivityRuns' }, { category: 'TriggerRuns' }],
      enabledMetric: [{ category: 'AllMetrics' }],
    });
    new MonitorDiagnosticSetting(this, 'topic_diagnostics', {
      name: resourceName(environment, 'pipeline', 'notifications', 'logs'),
      targetResourceId: this.notificationTopic.id,
      logAnalyticsWorkspaceId,
      enabledLog: [{ categoryGroup: 'allLogs' }],
      enabledMetric: [{ category: 'AllMetrics' }],
    });

    // ------------------------------------------------------------ outputs
    new TerraformOutput(this, 'data_factory_name', { value: this.dataFactory.name, staticId: true });
    new TerraformOutput(this, 'notification_topic_endpoint', { value: this.notificationTopic.endpoint, staticId: true });
    new TerraformOutput(this, 'function_app_names', {
      value: Object.fromEntries(FUNCTION_APP_CLASSES.map((handlerClass) => [handlerClass, this.functionApps[handlerClass].app.name])),
      staticId: true,
    });
  }
}

/** The factory's linked service to the Databricks workspace (sizing.training.engine databricks). */
export const DATABRICKS_LINKED_SERVICE = 'databricks-jobs';

/** What a job run may take on top of the job's timeout: the job cluster's VMs starting and its library installing. */
export const JOB_CLUSTER_START_SECONDS = 20 * 60;

/** How long a Databricks Job activity waits: the job's timeout (sizing.training.maxRuntimeMinutes) plus the cluster's start. */
export function databricksJobWaitSeconds(maxRuntimeMinutes: number): number {
  return maxRuntimeMinutes * 60 + JOB_CLUSTER_START_SECONDS;
}

/** The factory's managed virtual network integration runtime (private networking), by the name the key reads' connectVia give. */
export const MANAGED_RUNTIME_NAME = 'managed-network';

/** Seconds a step's WebHook waits beyond its tries: queue pickup, a cold start and the callback's retries. */
export const STEP_CALLBACK_MARGIN_SECONDS = 300;

/**
 * How long a step's WebHook waits for its callback: every try the queue
 * gives it (STEP_ATTEMPTS deliveries of up to the class's timeout, 5 s
 * apart), plus the margin. Shorter, and Data Factory would fail a step that
 * is still being retried.
 */
export function stepCallbackWaitSeconds(timeoutSeconds: number): number {
  return STEP_ATTEMPTS * timeoutSeconds + (STEP_ATTEMPTS - 1) * STEP_RETRY_DELAY_SECONDS + STEP_CALLBACK_MARGIN_SECONDS;
}


/** Key Vault's REST API version the key activities call. */
export const KEY_VAULT_API_VERSION = '7.4';

/** The REST URL of a secret's current version, from the vault URI (`https://<vault>.vault.azure.net/`, trailing slash included). */
export function keyVaultSecretUrl(vaultUri: string, secretName: string): string {
  return `${vaultUri}secrets/${secretName}?api-version=${KEY_VAULT_API_VERSION}`;
}

/** A Data Factory activity timeout (`d.hh:mm:ss`) for a timeout in seconds. */
export function dataFactoryTimeSpan(seconds: number): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  return `${days}.${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
}

