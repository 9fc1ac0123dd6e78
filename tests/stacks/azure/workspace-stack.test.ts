import { beforeAll, describe, expect, it } from 'vitest';
import { TAG_KEYS } from '../../../stacks/shared/naming.ts';
import { onlyResource, synthStacks, TEST_VERSION, type TfJson } from './synth-helpers.ts';
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
};
const synthesized = {} as Record<keyof typeof configs, TfJson>;
beforeAll(() => {
  for (const [name, environment] of Object.entries(configs)) {
    synthesized[name as keyof typeof configs] = synthStacks(environment()).workspace;
  }
});

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
      expect(onlyResource(synthesized.prod, 'databricks_sql_endpoint')).toMatchObject({
        name: 'strata-prod-bi',
        cluster_size: 'Small',
        min_num_clusters: 1,
        max_num_clusters: 3,
        auto_stop_mins: 10,
        enable_serverless_compute: true,
        warehouse_type: 'PRO',
      });
      expect(onlyResource(synthesized.dev, 'databricks_sql_endpoint')).toMatchObject({ cluster_size: '2X-Small', auto_stop_mins: 5 });
    });

    it('is a classic warehouse when serverless is false, stopping after at least the classic minimum of 10 minutes', () => {
      const warehouse = onlyResource(synthesized.classicWarehouse, 'databricks_sql_endpoint');
      expect(warehouse).toMatchObject({
        cluster_size: 'Medium',
        min_num_clusters: 2,
        max_num_clusters: 4,
        enable_serverless_compute: false,
        auto_stop_mins: 10,
        spot_instance_policy: 'COST_OPTIMIZED',
      });
    });

    it('is tagged with the platform version and environment', () => {
      expect(onlyResource(synthesized.prod, 'databricks_sql_endpoint').tags.custom_tags).toEqual([
        { key: TAG_KEYS.version, value: TEST_VERSION },
        { key: TAG_KEYS.environment, value: 'prod' },
      ]);
    });
  });
});
