/**
 * `sizing.databricks` rendered as Databricks documents: the cluster policy
 * definition that enforces it, the job-cluster spec that follows it, and the
 * two SQL warehouses (BI and pipelines).
 *
 * Pure functions (no cdktf), so the cost tuner's knobs and their effect can be
 * tested and reviewed without synthesizing a stack.
 */
import type { Environment } from '../../config/schema.ts';
import { platformTags, resourceName } from '../shared/naming.ts';

type DatabricksSizing = Environment['sizing']['databricks'];
export type SpotPolicy = DatabricksSizing['spotPolicy'];

/** Azure availability of worker VMs per `spotPolicy`. */
export const AZURE_AVAILABILITY = {
  'on-demand': 'ON_DEMAND_AZURE',
  'spot-with-fallback': 'SPOT_WITH_FALLBACK_AZURE',
  spot: 'SPOT_AZURE',
} as const satisfies Record<SpotPolicy, string>;

/** Databricks' smallest auto-termination; 0 would mean "never", which a policy must not allow. */
const MIN_AUTOTERMINATION_MINUTES = 10;

/** One rule of a cluster policy definition (https://learn.microsoft.com/azure/databricks/admin/clusters/policy-definition). */
export type PolicyRule =
  | { type: 'fixed'; value: string | number | boolean; hidden?: boolean }
  | { type: 'allowlist'; values: string[]; defaultValue?: string }
  | { type: 'range'; minValue?: number; maxValue?: number; defaultValue?: number; isOptional?: boolean };

/**
 * The cluster policy: every cluster created under it (interactive or job) stays
 * inside the sizing the environment file allows.
 */
export function clusterPolicyDefinition(environment: Environment, version: string): Record<string, PolicyRule> {
  const sizing = environment.sizing.databricks;
  const nodeTypes = [...new Set(sizing.allowedNodeTypes)];
  const { minWorkers, maxWorkers } = sizing.autoscale;
  const definition: Record<string, PolicyRule> = {
    spark_version: { type: 'fixed', value: sizing.sparkVersion },
    node_type_id: { type: 'allowlist', values: nodeTypes, defaultValue: sizing.nodeType },
    driver_node_type_id: { type: 'allowlist', values: nodeTypes, defaultValue: sizing.nodeType },
    'autoscale.min_workers': { type: 'range', minValue: 0, maxValue: maxWorkers, defaultValue: minWorkers },
    'autoscale.max_workers': { type: 'range', minValue: 1, maxValue: maxWorkers, defaultValue: maxWorkers },
    // A fixed-size cluster would bypass the autoscale range; cap it the same way (0 = single node).
    num_workers: { type: 'range', minValue: 0, maxValue: maxWorkers, isOptional: true },
    autotermination_minutes: {
      type: 'range',
      minValue: MIN_AUTOTERMINATION_MINUTES,
      maxValue: sizing.autoTerminationMinutes,
      defaultValue: sizing.autoTerminationMinutes,
    },
  };
  for (const [key, value] of Object.entries(azureAttributes(sizing.spotPolicy))) {
    definition[`azure_attributes.${key}`] = { type: 'fixed', value };
  }
  for (const [key, value] of Object.entries(platformTags(environment, version))) {
    definition[`custom_tags.${key}`] = { type: 'fixed', value };
  }
  return definition;
}

/** The `azure_attributes` of a cluster under `spotPolicy`: what the policy fixes and the job spec sets. */
export function azureAttributes(spotPolicy: SpotPolicy): Record<string, string | number> {
  if (spotPolicy === 'on-demand') return { availability: AZURE_AVAILABILITY[spotPolicy] };
  // The driver stays on-demand (an evicted driver loses the whole run); spot workers
  // bid up to the on-demand price (-1), so they are evicted for capacity, never for price.
  return { availability: AZURE_AVAILABILITY[spotPolicy], first_on_demand: 1, spot_bid_max_price: -1 };
}

/**
 * Why a job-cluster spec and not an instance pool (what a cost tuner wants):
 * - a job cluster bills at the Jobs Compute DBU rate and is gone when the run
 *   ends, so nothing idles between the hourly runs;
 * - a pool with min idle 0 only saves start-up time when the next run comes
 *   within its idle timeout, and bills the VMs it keeps warm meanwhile;
 * - pools take SPOT_AZURE or ON_DEMAND_AZURE only, not SPOT_WITH_FALLBACK_AZURE,
 *   and a cluster on a pool inherits the pool's node type, so a pool would
 *   override `spotPolicy` and the node-type allowlist instead of following them.
 *
 * The spec is the Jobs API `new_cluster` object (snake_case), emitted as the
 * `job_cluster_spec` output of the workspace stack for the Azure flows
 * (Databricks Workflows, Data Factory) to reuse; `policyId` ties it to the policy.
 */
export function jobClusterSpec(environment: Environment, version: string, policyId: string): Record<string, unknown> {
  const sizing = environment.sizing.databricks;
  return {
    spark_version: sizing.sparkVersion,
    node_type_id: sizing.nodeType,
    driver_node_type_id: sizing.nodeType,
    autoscale: { min_workers: sizing.autoscale.minWorkers, max_workers: sizing.autoscale.maxWorkers },
    azure_attributes: azureAttributes(sizing.spotPolicy),
    policy_id: policyId,
    apply_policy_default_values: true,
    custom_tags: platformTags(environment, version),
  };
}

/** Classic (non-serverless) SQL warehouses stop after at least 10 idle minutes (0 = never). */
export const CLASSIC_WAREHOUSE_MIN_AUTO_STOP_MINUTES = 10;

/** The SQL warehouses: BI (analysts, dashboards) and pipelines (the Azure functions' SQL), each with its own sizing. */
export type WarehousePurpose = 'bi' | 'pipelines';
export const WAREHOUSE_PURPOSES: readonly WarehousePurpose[] = ['bi', 'pipelines'];

/** Where each warehouse's sizing lives under `sizing.databricks`. */
export const WAREHOUSE_SIZING_KEY = { bi: 'sqlWarehouse', pipelines: 'pipelineWarehouse' } as const satisfies Record<WarehousePurpose, keyof DatabricksSizing>;

/** Custom tag that tells cost tooling which warehouse a DBU line belongs to (`bi` or `pipelines`). */
export const PURPOSE_TAG_KEY = 'strata:purpose';

export type WarehouseSizing = DatabricksSizing['sqlWarehouse'];

export function warehouseSizing(environment: Environment, purpose: WarehousePurpose): WarehouseSizing {
  return environment.sizing.databricks[WAREHOUSE_SIZING_KEY[purpose]];
}

/** Auto-stop of a SQL warehouse: as configured, raised to the classic minimum when not serverless. */
export function warehouseAutoStopMinutes(environment: Environment, purpose: WarehousePurpose = 'bi'): number {
  const { autoStopMinutes, serverless } = warehouseSizing(environment, purpose);
  return serverless ? autoStopMinutes : Math.max(CLASSIC_WAREHOUSE_MIN_AUTO_STOP_MINUTES, autoStopMinutes);
}

/** A `databricks_sql_endpoint`'s arguments (cdktf names), without provider or lifecycle settings. */
export interface SqlWarehouseSpec {
  readonly name: string;
  readonly clusterSize: string;
  readonly minNumClusters: number;
  readonly maxNumClusters: number;
  readonly autoStopMins: number;
  readonly enableServerlessCompute: boolean;
  readonly warehouseType: 'PRO';
  readonly enablePhoton: boolean;
  readonly spotInstancePolicy?: 'RELIABILITY_OPTIMIZED' | 'COST_OPTIMIZED';
  readonly tags: { readonly customTags: { key: string; value: string }[] };
}

/** One SQL warehouse from its sizing: the BI and the pipelines warehouse follow the same conventions. */
export function sqlWarehouseSpec(environment: Environment, version: string, purpose: WarehousePurpose): SqlWarehouseSpec {
  const warehouse = warehouseSizing(environment, purpose);
  const tags = { ...platformTags(environment, version), [PURPOSE_TAG_KEY]: purpose };
  return {
    name: resourceName(environment, purpose),
    clusterSize: warehouse.size,
    minNumClusters: warehouse.minClusters,
    maxNumClusters: warehouse.maxClusters,
    autoStopMins: warehouseAutoStopMinutes(environment, purpose),
    enableServerlessCompute: warehouse.serverless,
    // Serverless needs PRO; PRO is also the classic type with Unity Catalog and query federation.
    warehouseType: 'PRO',
    enablePhoton: true,
    // Classic warehouses follow spotPolicy (serverless capacity is Databricks'): on-demand -> reliability, else cost.
    ...(warehouse.serverless
      ? {}
      : { spotInstancePolicy: environment.sizing.databricks.spotPolicy === 'on-demand' ? ('RELIABILITY_OPTIMIZED' as const) : ('COST_OPTIMIZED' as const) }),
    tags: { customTags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
  };
}
