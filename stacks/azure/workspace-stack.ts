/**
 * Inside the Databricks workspace: the cluster policy that enforces
 * `sizing.databricks`, the job-cluster spec that follows it, the BI and the
 * pipelines SQL warehouses, a service principal per querying handler class
 * (and BI) bound to its managed identity, Unity Catalog access to the layer
 * containers per pipelines/access.ts, the environment's catalog with raw's
 * staged and rejects tables declared from the dataset definitions
 * (workspace/raw-tables.ts), and the MLflow experiment folder.
 *
 * The databricks provider is configured from the platform stack's outputs,
 * read through an explicit `terraform_remote_state` in the same backend, so
 * apply the platform stack first (the manifest records the dependency).
 *
 * With the lake private (`network.publicAccess` false) and
 * `network.databricksAccountId` given, serverless compute reaches it through a
 * network connectivity configuration (workspace/serverless-lake-access.ts).
 */
import { Annotations, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { Catalog } from '@cdktf/provider-databricks/lib/catalog/index.js';
import { ClusterPolicy } from '@cdktf/provider-databricks/lib/cluster-policy/index.js';
import { Directory } from '@cdktf/provider-databricks/lib/directory/index.js';
import { ExternalLocation } from '@cdktf/provider-databricks/lib/external-location/index.js';
import { Grants } from '@cdktf/provider-databricks/lib/grants/index.js';
import { Permissions } from '@cdktf/provider-databricks/lib/permissions/index.js';
import { DatabricksProvider } from '@cdktf/provider-databricks/lib/provider/index.js';
import { ServicePrincipal } from '@cdktf/provider-databricks/lib/service-principal/index.js';
import { SqlEndpoint } from '@cdktf/provider-databricks/lib/sql-endpoint/index.js';
import { StorageCredential } from '@cdktf/provider-databricks/lib/storage-credential/index.js';
import { HANDLER_CLASSES, LAYERS, type Environment, type Layer } from '../../config/schema.ts';
import type { HandlerAccess } from '../../pipelines/access.ts';
import { STAGED_PREFIX, STAGED_REJECTS_PREFIX } from '../../pipelines/contract/lake-layout.ts';
import { catalogFor } from '../../pipelines/workloads/registry.ts';
import { trainingEngineOn } from '../../config/training-engine.ts';
import { resourceName } from '../shared/naming.ts';
import { configureBackend, remoteStackState, STACK_NAMES } from './backend.ts';
import { clusterPolicyDefinition, jobClusterSpec, sqlWarehouseSpec } from './databricks-sizing.ts';
import { IDENTITY_ACCESS, type IdentityOwner } from './handler-identities.ts';
import { identityOutputs, PLATFORM_OUTPUTS, type PlatformStack } from './platform-stack.ts';
import { RawTables } from './workspace/raw-tables.ts';
import { ServerlessLakeAccess } from './workspace/serverless-lake-access.ts';
import { TrainingJobs } from './workspace/training-jobs.ts';

export interface WorkspaceStackProps {
  /** The environment, parsed and with every default applied. */
  readonly environment: Environment;
  /** Platform version (`<package version>+<commit>`), tagged on every cluster and warehouse. */
  readonly version: string;
  /**
   * The platform stack whose outputs configure the databricks provider; recorded as a dependency.
   * @default - none: the outputs are still read from the platform state, but no dependency is recorded
   */
  readonly platform?: PlatformStack;
}

export class WorkspaceStack extends TerraformStack {
  readonly clusterPolicy: ClusterPolicy;
  readonly sqlWarehouse: SqlEndpoint;
  readonly pipelineWarehouse: SqlEndpoint;
  /** Databricks service principals of the handler classes that run SQL, and of BI, bound to their managed identities. */
  readonly servicePrincipals: Partial<Record<IdentityOwner, ServicePrincipal>>;
  readonly externalLocations: Record<Layer, ExternalLocation>;
  /** The environment's Unity Catalog catalog (catalogName). */
  readonly catalog: Catalog;
  /** Raw's staged and rejects tables, in the catalog's `raw` schema. */
  readonly rawTables: RawTables;
  /** The MLflow experiment folder; only when sizing.mlflow.mode is not off. */
  readonly mlflowFolder?: Directory;
  /** Serverless compute's private path to the lake; only with a private network and network.databricksAccountId. */
  readonly serverlessLakeAccess?: ServerlessLakeAccess;
  /** The managed models' XGBoost jobs; only when sizing.training.engine gives Azure databricks. */
  readonly trainingJobs?: TrainingJobs;

  constructor(scope: Construct, props: WorkspaceStackProps) {
    // The stack name is the folder under `<outdir>/stacks/` and part of the state key.
    const stackName = STACK_NAMES.workspace;
    super(scope, stackName);
    const { environment, version } = props;
    // Before anything is built: an engine Azure cannot run fails the synth, naming the setting.
    const trainingEngine = trainingEngineOn(environment, 'azure');

    configureBackend(this, environment, stackName);
    if (props.platform) this.addDependency(props.platform);
    const platform = remoteStackState(this, 'platform', environment, STACK_NAMES.platform);
    new DatabricksProvider(this, 'databricks', {
      host: `https://${platform.getString(PLATFORM_OUTPUTS.workspaceUrl)}`,
      // Entra ID auth against the workspace resource (Azure CLI, managed identity or service principal env vars).
      azureWorkspaceResourceId: platform.getString(PLATFORM_OUTPUTS.workspaceResourceId),
    });
    const { publicAccess, databricksAccountId } = environment.network;
    if (!publicAccess && databricksAccountId !== undefined) {
      this.serverlessLakeAccess = new ServerlessLakeAccess(this, 'serverless_lake_access', {
        environment,
        accountId: databricksAccountId,
        workspaceId: platform.getNumber(PLATFORM_OUTPUTS.workspaceId),
        storageAccountId: platform.getString(PLATFORM_OUTPUTS.storageAccountId),
      });
    } else if (!publicAccess) {
      // Deployable as it is, but the pipelines' SQL would fail on the first run: say so at every synth.
      Annotations.of(this).addWarning(
        'network.publicAccess is false and network.databricksAccountId is not set: the serverless SQL warehouses, which run the pipelines\' SQL, cannot reach the private lake until it is (docs/azure.md, Private networking)',
      );
    }
    const output = (id: string, value: unknown, description?: string) =>
      new TerraformOutput(this, id, { value, staticId: true, ...(description ? { description } : {}) });

    // ------------------------------------------------------------ cluster sizing
    this.clusterPolicy = new ClusterPolicy(this, 'sizing', {
      name: resourceName(environment, 'sizing'),
      description: `Enforces sizing.databricks of the ${environment.name} environment (node types, autoscale, auto-termination, spot policy).`,
      definition: JSON.stringify(clusterPolicyDefinition(environment, version)),
    });
    output(
      'job_cluster_spec',
      jobClusterSpec(environment, version, this.clusterPolicy.id),
      'Jobs API new_cluster for Strata jobs: follows sizing.databricks under the sizing policy.',
    );
    output('cluster_policy_id', this.clusterPolicy.id);

    // ------------------------------------------------------------ SQL warehouses
    this.sqlWarehouse = new SqlEndpoint(this, 'bi', sqlWarehouseSpec(environment, version, 'bi'));
    output(WORKSPACE_OUTPUTS.sqlWarehouseId, this.sqlWarehouse.id, 'BI SQL warehouse (sizing.databricks.sqlWarehouse).');
    this.pipelineWarehouse = new SqlEndpoint(this, 'pipelines', sqlWarehouseSpec(environment, version, 'pipelines'));
    output(WORKSPACE_OUTPUTS.pipelineWarehouseId, this.pipelineWarehouse.id, 'Pipelines SQL warehouse (sizing.databricks.pipelineWarehouse): the Azure functions run their SQL on it.');

    // ------------------------------------------------------------ service principals
    // One per identity that runs SQL: its managed identity signs in to the workspace as this principal.
    this.servicePrincipals = {};
    for (const owner of SQL_PRINCIPALS) {
      this.servicePrincipals[owner] = new ServicePrincipal(this, `principal_${owner}`, {
        applicationId: platform.getString(identityOutputs(owner).clientId),
        displayName: resourceName(environment, owner),
        // Runs statements on a SQL warehouse; creates no clusters or pools (defaults, kept explicit).
        databricksSqlAccess: true,
        allowClusterCreate: false,
        allowInstancePoolCreate: false,
      });
    }
    const principalName = (owner: IdentityOwner): string => {
      const principal = this.servicePrincipals[owner];
      if (!principal) throw new Error(`workspace stack: ${owner} has no service principal`);
      return principal.applicationId;
    };
    const handlerPrincipals = SQL_PRINCIPALS.filter((owner) => owner !== 'bi');
    // databricks_permissions is authoritative per object: one resource lists everyone who may use the warehouse.
    new Permissions(this, 'pipelines_warehouse_users', {
      sqlEndpointId: this.pipelineWarehouse.id,
      accessControl: handlerPrincipals.map((owner) => ({ servicePrincipalName: principalName(owner), permissionLevel: 'CAN_USE' })),
    });
    new Permissions(this, 'bi_warehouse_users', {
      sqlEndpointId: this.sqlWarehouse.id,
      accessControl: [{ servicePrincipalName: principalName('bi'), permissionLevel: 'CAN_USE' }],
    });

    // ------------------------------------------------------------ Unity Catalog access to the lake
    const credential = new StorageCredential(this, 'lake', {
      name: resourceName(environment, 'lake'),
      azureManagedIdentity: { accessConnectorId: platform.getString(PLATFORM_OUTPUTS.accessConnectorId) },
      comment: 'The Databricks access connector (Storage Blob Data Contributor on each layer container): path-based reads and writes of the lake.',
    });
    const account = platform.getString(PLATFORM_OUTPUTS.storageAccountName);
    this.externalLocations = {} as Record<Layer, ExternalLocation>;
    for (const layer of LAYERS) {
      const location = new ExternalLocation(this, `location_${layer}`, {
        name: resourceName(environment, layer),
        url: layerUrl(layer, account),
        credentialName: credential.name,
        comment: `The ${layer} layer container.`,
      });
      this.externalLocations[layer] = location;
      const grants = externalLocationGrants(layer);
      if (grants.length === 0) continue;
      // databricks_grants is authoritative per securable: this is everyone's access to the location.
      new Grants(this, `location_${layer}_grants`, {
        externalLocation: location.name,
        grant: grants.map(({ owner, privileges }) => ({ principal: principalName(owner), privileges: [...privileges] })),
      });
    }

    // ------------------------------------------------------------ the catalog and raw's declared tables
    // A managed location of its own: a metastore created without root storage (the Azure default) refuses a
    // catalog without one. Only external tables are declared, so nothing is written there today.
    this.catalog = new Catalog(this, 'catalog', {
      name: catalogName(environment),
      comment: `Strata ${environment.name}: the lake's tables, declared from the dataset definitions.`,
      storageRoot: `${layerUrl(CATALOG_STORAGE.layer, account)}${CATALOG_STORAGE.folder}`,
      dependsOn: [this.externalLocations[CATALOG_STORAGE.layer]],
    });
    const rawReaders = rawTableReaders().map(principalName);
    // databricks_grants is authoritative per securable: this is everyone's access to the catalog.
    const catalogGrants =
      rawReaders.length > 0
        ? new Grants(this, 'catalog_grants', {
            catalog: this.catalog.name,
            grant: rawReaders.map((principal) => ({ principal, privileges: ['USE_CATALOG'] })),
          })
        : undefined;
    this.rawTables = new RawTables(this, 'raw_tables', {
      // Every table loaded from files, of the environment's workloads, as on AWS.
      datasets: catalogFor(environment.workloads).trusted,
      catalogName: this.catalog.name,
      rawUrl: layerUrl('raw', account),
      // The handlers' warehouse runs the DDL; the provider waits 50 s a statement, so a classic warehouse still
      // starting can fail the first apply (apply again).
      warehouseId: this.pipelineWarehouse.id,
      readers: rawReaders,
      dependsOn: [this.externalLocations.raw, ...(catalogGrants ? [catalogGrants] : [])],
    });
    output(WORKSPACE_OUTPUTS.catalogName, this.catalog.name, 'Unity Catalog catalog of the environment: raw.<table> and raw.<table>_rejects are the staged files.');

    // ------------------------------------------------------------ MLflow experiments
    if (environment.sizing.mlflow.mode !== 'off') {
      this.mlflowFolder = new Directory(this, 'mlflow_experiments', { path: MLFLOW_EXPERIMENT_FOLDER });
      // experiments/create makes no folders: the environment's folder must exist too (`<folder>/strata-<env>/<model>`).
      new Directory(this, 'mlflow_environment_experiments', { path: `${this.mlflowFolder.path}/${resourceName(environment)}` });
      new Permissions(this, 'mlflow_experiments_managers', {
        directoryPath: this.mlflowFolder.path,
        accessControl: [{ servicePrincipalName: principalName('ml'), permissionLevel: 'CAN_MANAGE' }],
      });
      output(WORKSPACE_OUTPUTS.mlflowExperimentFolder, this.mlflowFolder.path, 'Workspace folder of the MLflow experiments (STRATA_MLFLOW_EXPERIMENT_FOLDER).');
    }

    // ------------------------------------------------------------ managed training
    if (trainingEngine === 'databricks') {
      this.trainingJobs = new TrainingJobs(this, 'training', {
        environment,
        version,
        policyId: this.clusterPolicy.id,
        mlPrincipal: principalName('ml'),
        refinedUrl: layerUrl('refined', account),
        ...(this.mlflowFolder ? { mlflowExperimentFolder: this.mlflowFolder.path } : {}),
      });
      for (const [model, job] of Object.entries(this.trainingJobs.jobs)) {
        output(WORKSPACE_OUTPUTS.trainingJobId(model), job.id, `Databricks job that trains and scores ${model} (sizing.training.engine databricks).`);
      }
    }
  }
}

/**
 * Workspace folder the MLflow experiments live under: the default of
 * lambdas/adapters/azure/databricks-mlflow-auth.ts (`experimentFolder`).
 */
export const MLFLOW_EXPERIMENT_FOLDER = '/Shared/strata';

/** Who gets a Databricks service principal: the handler classes that run SQL (access.ts `queries`), and BI. */
export const SQL_PRINCIPALS: readonly IdentityOwner[] = [...HANDLER_CLASSES.filter((handlerClass) => IDENTITY_ACCESS[handlerClass].queries), 'bi'];

/**
 * The environment's catalog, `strata_<env>`: its resource name with underscores, so SQL names it unquoted
 * (`strata_prod.raw.orders`). An environment that must use an existing catalog would need a config field.
 */
export function catalogName(environment: Environment): string {
  return resourceName(environment).replaceAll('-', '_');
}

/** The catalog's managed location: a folder of its own in the dataquality container, apart from every table. */
export const CATALOG_STORAGE = { layer: 'dataquality', folder: '_unity_catalog/' } as const satisfies { layer: Layer; folder: string };

const readsKey = (access: HandlerAccess, layer: Layer, key: string) =>
  access.reads.some((grant) => grant.layer === layer && key.startsWith(grant.prefix ?? ''));

/**
 * Who reads raw's declared tables: the SQL principals that access.ts lets read both staged/ and rejects/ of raw
 * (today transform; BI reads refined only, as on AWS). They get USE_CATALOG, USE_SCHEMA and SELECT.
 */
export function rawTableReaders(): IdentityOwner[] {
  return SQL_PRINCIPALS.filter((owner) => [STAGED_PREFIX, STAGED_REJECTS_PREFIX].every((folder) => readsKey(IDENTITY_ACCESS[owner], 'raw', folder)));
}

/** `abfss://<layer>@<account>.dfs.core.windows.net/`: a layer container as Unity Catalog addresses it. */
export function layerUrl(layer: Layer, storageAccountName: string): string {
  return `abfss://${layer}@${storageAccountName}.dfs.core.windows.net/`;
}

export type FilePrivilege = 'READ_FILES' | 'WRITE_FILES';

/**
 * The external-location grants of one layer, from pipelines/access.ts: reads ->
 * READ_FILES, writes or deletes -> WRITE_FILES, for every SQL principal that
 * touches the layer. Unity Catalog grants a whole location, so a prefix in
 * access.ts widens to the layer here (the Azure role assignments keep the
 * prefixes for the identities' own calls).
 */
export function externalLocationGrants(layer: Layer): { owner: IdentityOwner; privileges: FilePrivilege[] }[] {
  const touches = (grants: readonly { layer: Layer }[]) => grants.some((grant) => grant.layer === layer);
  return SQL_PRINCIPALS.flatMap((owner) => {
    const access = IDENTITY_ACCESS[owner];
    const privileges: FilePrivilege[] = [];
    if (touches(access.reads)) privileges.push('READ_FILES');
    if (touches(access.writes) || touches(access.deletes)) privileges.push('WRITE_FILES');
    return privileges.length > 0 ? [{ owner, privileges }] : [];
  });
}

/** Output names of the workspace stack that the pipelines stack reads. */
export const WORKSPACE_OUTPUTS = {
  sqlWarehouseId: 'sql_warehouse_id',
  pipelineWarehouseId: 'pipeline_warehouse_id',
  /** The environment's Unity Catalog catalog. */
  catalogName: 'catalog_name',
  /** Workspace folder of the MLflow experiments; only when sizing.mlflow.mode is not off. */
  mlflowExperimentFolder: 'mlflow_experiment_folder',
  /** A managed model's Databricks job; only when sizing.training.engine gives Azure databricks. */
  trainingJobId: (model: string) => `training_job_id_${model.replaceAll('-', '_')}`,
} as const;
