/**
 * Inside the Databricks workspace: the cluster policy that enforces
 * `sizing.databricks`, the job-cluster spec that follows it, and the BI SQL
 * warehouse.
 *
 * The databricks provider is configured from the platform stack's outputs,
 * read through an explicit `terraform_remote_state` in the same backend, so
 * apply the platform stack first (the manifest records the dependency).
 */
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ClusterPolicy } from '@cdktf/provider-databricks/lib/cluster-policy/index.js';
import { DatabricksProvider } from '@cdktf/provider-databricks/lib/provider/index.js';
import { SqlEndpoint } from '@cdktf/provider-databricks/lib/sql-endpoint/index.js';
import type { Environment } from '../../config/schema.ts';
import { platformTags, resourceName } from '../shared/naming.ts';
import { configureBackend, remoteStackState, STACK_NAMES } from './backend.ts';
import { clusterPolicyDefinition, jobClusterSpec, warehouseAutoStopMinutes } from './databricks-sizing.ts';
import { PLATFORM_OUTPUTS, type PlatformStack } from './platform-stack.ts';

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

  constructor(scope: Construct, props: WorkspaceStackProps) {
    // The stack name is the folder under `<outdir>/stacks/` and part of the state key.
    const stackName = STACK_NAMES.workspace;
    super(scope, stackName);
    const { environment, version } = props;
    const sizing = environment.sizing.databricks;
    const tags = platformTags(environment, version);

    configureBackend(this, environment, stackName);
    if (props.platform) this.addDependency(props.platform);
    const platform = remoteStackState(this, 'platform', environment, STACK_NAMES.platform);
    new DatabricksProvider(this, 'databricks', {
      host: `https://${platform.getString(PLATFORM_OUTPUTS.workspaceUrl)}`,
      // Entra ID auth against the workspace resource (Azure CLI, managed identity or service principal env vars).
      azureWorkspaceResourceId: platform.getString(PLATFORM_OUTPUTS.workspaceResourceId),
    });

    this.clusterPolicy = new ClusterPolicy(this, 'sizing', {
      name: resourceName(environment, 'sizing'),
      description: `Enforces sizing.databricks of the ${environment.name} environment (node types, autoscale, auto-termination, spot policy).`,
      definition: JSON.stringify(clusterPolicyDefinition(environment, version)),
    });

    new TerraformOutput(this, 'job_cluster_spec', {
      value: jobClusterSpec(environment, version, this.clusterPolicy.id),
      description: 'Jobs API new_cluster for Strata jobs: follows sizing.databricks under the sizing policy.',
      staticId: true,
    });
    new TerraformOutput(this, 'cluster_policy_id', { value: this.clusterPolicy.id, staticId: true });

    const warehouse = sizing.sqlWarehouse;
    this.sqlWarehouse = new SqlEndpoint(this, 'bi', {
      name: resourceName(environment, 'bi'),
      clusterSize: warehouse.size,
      minNumClusters: warehouse.minClusters,
      maxNumClusters: warehouse.maxClusters,
      autoStopMins: warehouseAutoStopMinutes(environment),
      enableServerlessCompute: warehouse.serverless,
      // Serverless needs PRO; PRO is also the classic type with Unity Catalog and query federation.
      warehouseType: 'PRO',
      enablePhoton: true,
      ...(warehouse.serverless ? {} : { spotInstancePolicy: sizing.spotPolicy === 'on-demand' ? 'RELIABILITY_OPTIMIZED' : 'COST_OPTIMIZED' }),
      tags: { customTags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
    });
    new TerraformOutput(this, 'sql_warehouse_id', { value: this.sqlWarehouse.id, staticId: true });
  }
}

/** Output names of the workspace stack that the pipelines stack reads. */
export const WORKSPACE_OUTPUTS = {
  sqlWarehouseId: 'sql_warehouse_id',
  pipelineWarehouseId: 'pipeline_warehouse_id',
  /** Workspace folder of the MLflow experiments; only when sizing.mlflow.mode is not off. */
  mlflowExperimentFolder: 'mlflow_experiment_folder',
} as const;
