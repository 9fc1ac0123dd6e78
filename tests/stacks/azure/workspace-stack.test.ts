import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_CLASSES, LAYERS } from '../../../config/schema.ts';
import { HANDLER_ACCESS } from '../../../pipelines/access.ts';
import { databricksMlflowTracking } from '../../../lambdas/adapters/azure/databricks-mlflow-auth.ts';
import { MLFLOW_EXPERIMENT_FOLDER, WORKSPACE_OUTPUTS } from '../../../stacks/azure/workspace-stack.ts';
import { TAG_KEYS } from '../../../stacks/shared/naming.ts';
import { onlyResource, resourcesOf, synthStacks, TEST_VERSION, type TfJson } from './synth-helpers.ts';
import { environmentNamed, environmentFrom, withChange } from '../../support/environments.ts';

/** Every configuration this file looks at, synthesized once. */
const configs = {
  prod: () => environmentNamed('prod'),
  dev: () => environmentNamed('dev'),
  moreWorkers: () => withChange(environmentNamed('prod'), (env) => (env.sizing.databricks.autoscale.maxWorkers = 20)),
  onDemand: () => environmentFrom('name: steady\nsizing: { databricks: { spotPolicy: on-demand } }\n'),
  spot: () => environmentFrom('name: cheap\nsizing: { databricks: { spotPolicy: spot } }\n'),
  classicWarehouse: () =>
    environmentFrom('name: classic\nsizing:\n  databricks:\n    sqlWarehouse: { size: Medium, minClusters: 2, maxClusters: 4, autoStopMinutes: 5, serverless: false }\n'),
  biggerPipelines: () =>
    withChange(environmentNamed('prod'), (env) => {
      env.sizing.databricks.pipelineWarehouse = { size: 'Large', minClusters: 2, maxClusters: 5, autoStopMinutes: 3, serverless: false };
    }),
  mlflowServer: () => withChange(environmentNamed('dev'), (env) => (env.sizing.mlflow.mode = 'server')),
};
const synthesized = {} as Record<keyof typeof configs, TfJson>;
beforeAll(() => {
  for (const [name, environment] of Object.entries(configs)) {
    synthesized[name as keyof typeof configs] = synthStacks(environment()).workspace;
  }
});

/** Who should get a Databricks service principal: the handler classes that run SQL, and BI. */
const sqlOwners = [...HANDLER_CLASSES.filter((handlerClass) => HANDLER_ACCESS[handlerClass].queries), 'bi'];

type PolicyDefinition = Record<string, Record<string, unknown>>;
function policyOf(workspace: TfJson): PolicyDefinition {
  return JSON.parse(onlyResource(workspace, 'databricks_cluster_policy').definition as string) as PolicyDefinition;
}

describe('Azure workspace stack', () => {
  describe('the databricks provider', () => {
    it('is configured from the platform stack outputs, read from the platform state', () => {
      const workspace = synthesized.prod;
      expect(workspace.provider.databricks[0]).toEqual({
        host: 'https://${data.terraform_remote_state.platform.outputs.workspace_url}',
        azure_workspace_resource_id: '${data.terraform_remote_state.platform.outputs.workspace_resource_id}',
      });
      expect(workspace.data.terraform_remote_state.platform.config.key).toBe('strata/prod/platform.tfstate');
    });
  });

  describe('the cluster policy', () => {
    let policy: PolicyDefinition;
    beforeAll(() => {
      policy = policyOf(synthesized.prod);
    });

    it('allows only sizing.databricks.allowedNodeTypes for workers and driver, defaulting to nodeType', () => {
      const allowed = ['Standard_D4ds_v5', 'Standard_D8ds_v5', 'Standard_E8ds_v5'];
      expect(policy.node_type_id).toEqual({ type: 'allowlist', values: allowed, defaultValue: 'Standard_D4ds_v5' });
      expect(policy.driver_node_type_id).toEqual({ type: 'allowlist', values: allowed, defaultValue: 'Standard_D4ds_v5' });
    });

    it('caps autoscaling (and fixed-size clusters) at sizing.databricks.autoscale.maxWorkers', () => {
      expect(policy['autoscale.max_workers']).toMatchObject({ type: 'range', maxValue: 8, defaultValue: 8 });
      expect(policy['autoscale.min_workers']).toMatchObject({ type: 'range', maxValue: 8, defaultValue: 2 });
      expect(policy.num_workers).toMatchObject({ type: 'range', maxValue: 8 });
    });

    it('follows a change of maxWorkers in the environment', () => {
      const changed = policyOf(synthesized.moreWorkers);
      expect(changed['autoscale.max_workers']).toMatchObject({ maxValue: 20, defaultValue: 20 });
      expect(changed.num_workers).toMatchObject({ maxValue: 20 });
    });

    it('caps auto-termination at sizing.databricks.autoTerminationMinutes and never allows "never"', () => {
      expect(policy.autotermination_minutes).toEqual({ type: 'range', minValue: 10, maxValue: 30, defaultValue: 30 });
    });

    it('fixes the Azure availability from spotPolicy', () => {
      expect(policy['azure_attributes.availability']).toEqual({ type: 'fixed', value: 'SPOT_WITH_FALLBACK_AZURE' });
      expect(policyOf(synthesized.spot)['azure_attributes.availability']).toEqual({ type: 'fixed', value: 'SPOT_AZURE' });
      expect(policyOf(synthesized.onDemand)['azure_attributes.availability']).toEqual({ type: 'fixed', value: 'ON_DEMAND_AZURE' });
    });

    it('keeps the driver on-demand when workers run on spot', () => {
      expect(policy['azure_attributes.first_on_demand']).toEqual({ type: 'fixed', value: 1 });
      expect(policyOf(synthesized.onDemand)).not.toHaveProperty('azure_attributes.first_on_demand');
    });

    it('fixes the Spark runtime and the version and environment tags', () => {
      expect(policy.spark_version).toEqual({ type: 'fixed', value: '15.4.x-scala2.12' });
      expect(policy[`custom_tags.${TAG_KEYS.version}`]).toEqual({ type: 'fixed', value: TEST_VERSION });
      expect(policy[`custom_tags.${TAG_KEYS.environment}`]).toEqual({ type: 'fixed', value: 'prod' });
    });
  });

  describe('the job-cluster spec', () => {
    it('is sized by sizing.databricks and bound to the cluster policy', () => {
      const spec = synthesized.prod.output.job_cluster_spec.value;
      expect(spec).toMatchObject({
        spark_version: '15.4.x-scala2.12',
        node_type_id: 'Standard_D4ds_v5',
        autoscale: { min_workers: 2, max_workers: 8 },
        azure_attributes: { availability: 'SPOT_WITH_FALLBACK_AZURE', first_on_demand: 1 },
        policy_id: '${databricks_cluster_policy.sizing.id}',
        custom_tags: { [TAG_KEYS.version]: TEST_VERSION, [TAG_KEYS.environment]: 'prod' },
      });
    });
  });

  describe('the BI SQL warehouse', () => {
    it('is sized by sizing.databricks.sqlWarehouse', () => {
      expect(warehouse(synthesized.prod, 'bi')).toMatchObject({
        name: 'strata-prod-bi',
        cluster_size: 'Small',
        min_num_clusters: 1,
        max_num_clusters: 3,
        auto_stop_mins: 10,
        enable_serverless_compute: true,
        warehouse_type: 'PRO',
      });
      expect(warehouse(synthesized.dev, 'bi')).toMatchObject({ cluster_size: '2X-Small', auto_stop_mins: 5 });
    });

    it('is a classic warehouse when serverless is false, stopping after at least the classic minimum of 10 minutes', () => {
      expect(warehouse(synthesized.classicWarehouse, 'bi')).toMatchObject({
        cluster_size: 'Medium',
        min_num_clusters: 2,
        max_num_clusters: 4,
        enable_serverless_compute: false,
        auto_stop_mins: 10,
        spot_instance_policy: 'COST_OPTIMIZED',
      });
    });

    it('is tagged with the platform version and environment, and as the BI warehouse for cost tooling', () => {
      expect(warehouse(synthesized.prod, 'bi').tags.custom_tags).toEqual([
        { key: TAG_KEYS.version, value: TEST_VERSION },
        { key: TAG_KEYS.environment, value: 'prod' },
        { key: 'strata:purpose', value: 'bi' },
      ]);
    });

    it('is output as sql_warehouse_id', () => {
      expect(synthesized.prod.output[WORKSPACE_OUTPUTS.sqlWarehouseId].value).toBe('${databricks_sql_endpoint.bi.id}');
    });
  });

  describe('the pipelines SQL warehouse', () => {
    it('is sized by sizing.databricks.pipelineWarehouse, on the same conventions as BI\'s', () => {
      expect(Object.keys(resourcesOf(synthesized.prod, 'databricks_sql_endpoint')).sort()).toEqual(['bi', 'pipelines']);
      expect(warehouse(synthesized.prod, 'pipelines')).toMatchObject({
        name: 'strata-prod-pipelines',
        cluster_size: 'Small',
        min_num_clusters: 1,
        max_num_clusters: 2,
        auto_stop_mins: 10,
        enable_serverless_compute: true,
        warehouse_type: 'PRO',
        enable_photon: true,
      });
    });

    it('follows a change of sizing.databricks.pipelineWarehouse and leaves the BI warehouse as it was', () => {
      expect(warehouse(synthesized.biggerPipelines, 'pipelines')).toMatchObject({
        cluster_size: 'Large',
        min_num_clusters: 2,
        max_num_clusters: 5,
        enable_serverless_compute: false,
        // Classic: raised to the 10-minute minimum, spot policy from sizing.databricks.spotPolicy.
        auto_stop_mins: 10,
        spot_instance_policy: 'COST_OPTIMIZED',
      });
      expect(warehouse(synthesized.biggerPipelines, 'bi')).toEqual(warehouse(synthesized.prod, 'bi'));
    });

    it('is tagged as the pipelines warehouse for cost tooling', () => {
      expect(warehouse(synthesized.prod, 'pipelines').tags.custom_tags).toContainEqual({ key: 'strata:purpose', value: 'pipelines' });
    });

    it('is output as pipeline_warehouse_id', () => {
      expect(synthesized.prod.output[WORKSPACE_OUTPUTS.pipelineWarehouseId].value).toBe('${databricks_sql_endpoint.pipelines.id}');
    });
  });

  describe('service principals', () => {
    it('exist for each handler class that runs SQL (access.ts queries) and for BI, bound to its managed identity', () => {
      const principals = resourcesOf(synthesized.prod, 'databricks_service_principal');
      expect(Object.keys(principals).sort()).toEqual(sqlOwners.map((owner) => `principal_${owner}`).sort());
      expect(principals).not.toHaveProperty('principal_ingest');
      for (const owner of sqlOwners) {
        expect(principals[`principal_${owner}`]).toMatchObject({
          application_id: `\${data.terraform_remote_state.platform.outputs.identity_${owner}_client_id}`,
          display_name: `strata-prod-${owner}`,
          databricks_sql_access: true,
          allow_cluster_create: false,
        });
      }
    });

    it('may use the pipelines warehouse (handlers) and the BI warehouse (BI), nothing more', () => {
      const permissions = resourcesOf(synthesized.prod, 'databricks_permissions');
      const handlers = sqlOwners.filter((owner) => owner !== 'bi');
      expect(permissions.pipelines_warehouse_users).toEqual(
        expect.objectContaining({
          sql_endpoint_id: '${databricks_sql_endpoint.pipelines.id}',
          access_control: handlers.map((owner) => ({ service_principal_name: principal(owner), permission_level: 'CAN_USE' })),
        }),
      );
      expect(permissions.bi_warehouse_users).toEqual(
        expect.objectContaining({
          sql_endpoint_id: '${databricks_sql_endpoint.bi.id}',
          access_control: [{ service_principal_name: principal('bi'), permission_level: 'CAN_USE' }],
        }),
      );
    });
  });

  describe('Unity Catalog access to the lake', () => {
    it('has one storage credential on the platform\'s access connector', () => {
      expect(onlyResource(synthesized.prod, 'databricks_storage_credential')).toMatchObject({
        name: 'strata-prod-lake',
        azure_managed_identity: { access_connector_id: '${data.terraform_remote_state.platform.outputs.access_connector_id}' },
      });
    });

    it('has one external location per layer container, through that credential', () => {
      const locations = resourcesOf(synthesized.prod, 'databricks_external_location');
      expect(Object.keys(locations).sort()).toEqual(LAYERS.map((layer) => `location_${layer}`).sort());
      for (const layer of LAYERS) {
        expect(locations[`location_${layer}`]).toMatchObject({
          name: `strata-prod-${layer}`,
          url: `abfss://${layer}@\${data.terraform_remote_state.platform.outputs.storage_account_name}.dfs.core.windows.net/`,
          credential_name: '${databricks_storage_credential.lake.name}',
        });
      }
    });

    it.each(LAYERS)('grants on the %s location match access.ts: reads -> READ_FILES, writes or deletes -> WRITE_FILES; BI reads refined only', (layer) => {
      const expected: { principal: string; privileges: string[] }[] = [];
      for (const owner of sqlOwners) {
        const access = owner === 'bi' ? { reads: [{ layer: 'refined' }], writes: [], deletes: [] } : HANDLER_ACCESS[owner as keyof typeof HANDLER_ACCESS];
        const on = (grants: readonly { layer: string }[]) => grants.some((grant) => grant.layer === layer);
        const privileges = [...(on(access.reads) ? ['READ_FILES'] : []), ...(on(access.writes) || on(access.deletes) ? ['WRITE_FILES'] : [])];
        if (privileges.length > 0) expected.push({ principal: principal(owner), privileges });
      }
      const grants = resourcesOf(synthesized.prod, 'databricks_grants')[`location_${layer}_grants`];
      expect(grants?.external_location).toBe(`\${databricks_external_location.location_${layer}.name}`);
      expect(grants?.grant).toEqual(expected);
    });

    it('gives BI READ_FILES on refined and nothing anywhere else', () => {
      const grants = resourcesOf(synthesized.prod, 'databricks_grants');
      for (const layer of LAYERS) {
        const bi = (grants[`location_${layer}_grants`]?.grant as TfJson[]).filter((grant) => grant.principal === principal('bi'));
        expect(bi, layer).toEqual(layer === 'refined' ? [{ principal: principal('bi'), privileges: ['READ_FILES'] }] : []);
      }
    });
  });

  describe('MLflow experiments', () => {
    it('get a workspace folder, and one for the environment inside it, that the ml principal manages (prod: serverless)', () => {
      const directories = resourcesOf(synthesized.prod, 'databricks_directory');
      expect(directories.mlflow_experiments?.path).toBe('/Shared/strata');
      expect(directories.mlflow_environment_experiments?.path).toBe('${databricks_directory.mlflow_experiments.path}/strata-prod');
      expect(resourcesOf(synthesized.prod, 'databricks_permissions').mlflow_experiments_managers).toEqual(
        expect.objectContaining({
          directory_path: '${databricks_directory.mlflow_experiments.path}',
          access_control: [{ service_principal_name: principal('ml'), permission_level: 'CAN_MANAGE' }],
        }),
      );
      expect(synthesized.prod.output[WORKSPACE_OUTPUTS.mlflowExperimentFolder].value).toBe('${databricks_directory.mlflow_experiments.path}');
    });

    it('use the folder the Databricks MLflow adapter defaults to', () => {
      const tracking = databricksMlflowTracking({ host: 'adb-1.2.azuredatabricks.net', token: 'token' });
      expect(tracking.experimentName?.('strata-prod/seller-churn')).toBe(`${MLFLOW_EXPERIMENT_FOLDER}/strata-prod/seller-churn`);
    });

    it('get the folder in server mode too', () => {
      expect(resourcesOf(synthesized.mlflowServer, 'databricks_directory').mlflow_environment_experiments?.path).toContain('/strata-dev');
      expect(synthesized.mlflowServer.output).toHaveProperty(WORKSPACE_OUTPUTS.mlflowExperimentFolder);
    });

    it('get no folder, permissions or output when sizing.mlflow.mode is off (dev)', () => {
      expect(resourcesOf(synthesized.dev, 'databricks_directory')).toEqual({});
      expect(resourcesOf(synthesized.dev, 'databricks_permissions')).not.toHaveProperty('mlflow_experiments_managers');
      expect(synthesized.dev.output).not.toHaveProperty(WORKSPACE_OUTPUTS.mlflowExperimentFolder);
    });
  });
});

function warehouse(workspace: TfJson, purpose: 'bi' | 'pipelines'): TfJson {
  const found = resourcesOf(workspace, 'databricks_sql_endpoint')[purpose];
  if (!found) throw new Error(`no ${purpose} warehouse`);
  return found;
}

function principal(owner: string): string {
  return `\${databricks_service_principal.principal_${owner}.application_id}`;
}
