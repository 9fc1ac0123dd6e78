import { describe, expect, it } from 'vitest';
import { PROCESS_FLOW } from '../../support/catalog.ts';
import { countPipelineRun, forEachItems } from '../../../cli/cost/data-factory.ts';
import { type MapStep } from '../../../pipelines/flows/index.ts';
import { renderDataFactoryActivities } from '../../../stacks/azure/flows/data-factory-activities.ts';
import { estimateCost, type CostLine } from '../../../cli/cost/estimate.ts';
import { loadPriceBook } from '../../../cli/cost/price-book.ts';
import { triggerRunsPerMonth } from '../../../cli/cost/schedules.ts';
import { loadUsage } from '../../../cli/cost/usage.ts';
import type { Environment } from '../../../config/schema.ts';
import { environmentNamed, withChange } from '../../support/environments.ts';
import { azureSynth } from '../plan/azure-synth.ts';

const book = loadPriceBook();
const prod = environmentNamed('prod');
const dev = environmentNamed('dev');
/** The medium profile with 10 items per computed ForEach, so the counts below are whole numbers. */
const medium = { ...loadUsage('medium').profile, dataFactory: { forEachItemsWhenDynamic: 10 } };

const fn = (name: string, handler: string, linked: string) => ({
  name,
  type: 'AzureFunctionActivity',
  linkedServiceName: { referenceName: linked, type: 'LinkedServiceReference' },
  typeProperties: { functionName: handler, method: 'POST' },
});
const notify = { name: 'Notify', type: 'WebActivity', typeProperties: { url: 'https://topic', method: 'POST' } };

/** The process flow as the pipelines stack renders it: a ForEach over a fixed list, one over a previous result, a check, a notification. */
const processActivities = [
  { name: 'BuildTrustedTables', type: 'ForEach', typeProperties: { items: { value: `@json('["orders","sellers","it''s"]')`, type: 'Expression' }, activities: [fn('BuildTrustedTable', 'build-trusted', 'Functions_transform')] } },
  { name: 'BuildRefinedTables', type: 'ForEach', typeProperties: { items: { value: "@activity('List').output.tables", type: 'Expression' }, activities: [fn('BuildRefinedTable', 'build-refined', 'Functions_transform')] } },
  fn('CheckQuality', 'check-quality', 'Functions_quality'),
  notify,
];

function workspaceOf(environment: Environment) {
  const warehouse = (purpose: string, sizing: Environment['sizing']['databricks']['sqlWarehouse']) => ({
    name: `strata-${purpose}`,
    cluster_size: sizing.size,
    min_num_clusters: sizing.minClusters,
    max_num_clusters: sizing.maxClusters,
    auto_stop_mins: sizing.autoStopMinutes,
    enable_serverless_compute: sizing.serverless,
    tags: { custom_tags: [{ key: 'strata:purpose', value: purpose }] },
  });
  return {
    databricks_cluster_policy: { sizing: { name: 'sizing', definition: '{}' } },
    // Named the other way round on purpose: the purpose tag, not the name, tells them apart.
    databricks_sql_endpoint: { pipelines: warehouse('bi', environment.sizing.databricks.sqlWarehouse), bi: warehouse('pipelines', environment.sizing.databricks.pipelineWarehouse) },
  };
}

function pipelinesOf(environment: Environment) {
  const app = (handlerClass: string, memory: number) => ({
    name: `strata-${handlerClass}`,
    instance_memory_in_mb: memory,
    runtime_name: 'node',
    runtime_version: '22',
    app_settings: { STRATA_HANDLER_CLASS: handlerClass },
  });
  return {
    azurerm_function_app_flex_consumption: { ingest: app('ingest', 512), transform: app('transform', 2048), quality: app('quality', 2048), ml: app('ml', 4096) },
    azurerm_data_factory_linked_service_azure_function: {
      functions_transform_link: { name: 'Functions_transform', url: 'https://${azurerm_function_app_flex_consumption.transform.default_hostname}' },
    },
    azurerm_data_factory_pipeline: {
      flow_process: { name: 'process', activities_json: JSON.stringify(processActivities) },
      flow_ingest: { name: 'ingest', activities_json: JSON.stringify([fn('ListLandingDrops', 'list-landing', 'Functions_ingest')]) },
    },
    azurerm_data_factory_trigger_schedule: {
      flow_process_schedule: { name: 'process-schedule', pipeline_name: '${azurerm_data_factory_pipeline.flow_process.name}', frequency: 'Hour', interval: 1, activated: true },
      flow_ingest_schedule: { name: 'ingest-schedule', pipeline_name: '${azurerm_data_factory_pipeline.flow_ingest.name}', frequency: 'Hour', interval: 1, activated: true },
    },
    azurerm_data_factory_trigger_blob_event: {
      flow_ingest_landing: { name: 'ingest-on-landing', pipeline: [{ name: '${azurerm_data_factory_pipeline.flow_ingest.name}' }], events: ['Microsoft.Storage.BlobCreated'], activated: true },
    },
    azurerm_eventgrid_topic: { notifications: { name: 'notifications' } },
    azurerm_monitor_metric_alert: { failed_runs: { name: 'failed', scopes: ['${azurerm_data_factory.factory.id}'], criteria: [{ metric_name: 'PipelineFailedRuns' }] } },
  };
}

const estimate = (environment: Environment) => estimateCost({ environment, usage: medium, book, synth: azureSynth({ workspace: workspaceOf(environment), pipelines: pipelinesOf(environment) }) });
const azureLines = (environment: Environment) => estimate(environment).clouds.find((cloud) => cloud.cloud === 'azure')!.lines;
const byId = (lines: CostLine[], id: string) => {
  const found = lines.find((line) => line.id === id);
  expect(found, id).toBeDefined();
  return found!;
};

describe('Data Factory schedule triggers: runs per month', () => {
  it.each([
    [{ frequency: 'Minute', interval: 1 }, 43_800],
    [{ frequency: 'Minute', interval: 5 }, 8_760],
    [{ frequency: 'Hour', interval: 1 }, 730],
    [{ frequency: 'Hour', interval: 1, schedule: { minutes: [0, 30] } }, 1_460],
    [{ frequency: 'Day', interval: 1, schedule: { hours: Array.from({ length: 24 }, (_, hour) => hour), minutes: [15] } }, 730],
    [{ frequency: 'Day', interval: 2, schedule: { hours: [3], minutes: [0] } }, 365 / 12 / 2],
    [{ frequency: 'Week', interval: 1, schedule: { days_of_week: ['Monday'], hours: [3], minutes: [0] } }, 52 / 12],
    [{ frequency: 'Month', interval: 1, schedule: { days_of_month: [1], hours: [12], minutes: [0] } }, 1],
  ])('counts %j as %d runs, as the AWS schedule of the same rhythm', (trigger, expected) => {
    expect(triggerRunsPerMonth(trigger).runs).toBeCloseTo(expected, 9);
  });

  it('refuses a frequency Data Factory does not have', () => {
    expect(() => triggerRunsPerMonth({ frequency: 'Fortnight' })).toThrow(/frequency "Fortnight": expected Minute, Hour, Day, Week or Month/);
  });
});

describe('Data Factory activity runs per pipeline run, from activities_json', () => {
  it('counts ForEach items from a fixed list as written and a computed one from the usage figure', () => {
    const run = countPipelineRun(JSON.stringify(processActivities), 10);
    // 2 ForEach + 3 + 10 inner runs + CheckQuality + Notify
    expect(run.activityRuns).toBe(2 + 3 + 10 + 1 + 1);
    expect(run.loops).toEqual(['BuildTrustedTables x 3 (fixed list)', 'BuildRefinedTables x 10 (computed at run time: usage dataFactory.forEachItemsWhenDynamic)']);
    expect(run.external.map((activity) => [activity.name, activity.count])).toEqual([
      ['BuildTrustedTable', 3],
      ['BuildRefinedTable', 10],
      ['CheckQuality', 1],
      ['Notify', 1],
    ]);
  });

  it('counts the rendered WebHook steps as external activities of their handler, and each function key fetch as one run and one external activity', () => {
    // The steps after the process flow's continue-if, the pipeline the builds run in (process-steps).
    const afterCheck = { ...PROCESS_FLOW, steps: PROCESS_FLOW.steps.slice(PROCESS_FLOW.steps.findIndex((step) => step.kind === 'continue-if') + 1) };
    const activities = renderDataFactoryActivities(afterCheck, {
      functionUrl: (handlerClass) => `https://\${azurerm_function_app_flex_consumption.functions_${handlerClass}.default_hostname}`,
      functionKeySecretUrl: (handlerClass) => `https://vault/secrets/function-key-${handlerClass}?api-version=7.4`,
      activityTimeout: () => '0.00:20:00',
      notificationEndpoint: 'https://topic',
      environmentName: 'prod',
    });
    const run = countPipelineRun(JSON.stringify(activities), 10);
    const maps = PROCESS_FLOW.steps.filter((step): step is MapStep => step.kind === 'map');
    const trustedMaps = maps.filter((step) => step.step.handler === 'build-trusted');
    const itemsOf = (step: MapStep) => ('values' in step.items ? step.items.values.length : 10);
    const refined = itemsOf(maps.find((step) => step.step.handler === 'build-refined')!);
    const keys = activities.filter((activity) => String(activity.name).startsWith('FunctionKey-'));
    expect(keys.map((key) => key.name)).toEqual(['FunctionKey-transform', 'FunctionKey-quality']);
    const external = Object.fromEntries(run.external.map((activity) => [activity.name, activity]));
    expect(external['FunctionKey-transform']).toEqual({ name: 'FunctionKey-transform', type: 'WebActivity', count: 1 });
    for (const map of trustedMaps) {
      expect(external[map.step.name]).toEqual({ name: map.step.name, type: 'WebHook', count: itemsOf(map), handler: 'build-trusted', handlerClass: 'transform' });
    }
    const trusted = trustedMaps.reduce((sum, map) => sum + itemsOf(map), 0);
    expect(external.BuildRefinedTable).toMatchObject({ type: 'WebHook', count: refined, handler: 'build-refined', handlerClass: 'transform' });
    expect(external.CheckQuality).toMatchObject({ type: 'WebHook', count: 1, handler: 'check-quality', handlerClass: 'quality' });
    // key fetches + one run per ForEach + their items + the other steps
    expect(run.activityRuns).toBe(keys.length + maps.length + trusted + refined + afterCheck.steps.length - maps.length);
  });

  it('reads createArray lists and list parameters', () => {
    expect(forEachItems({ value: "@createArray('a', 'b,c', 'd')", type: 'Expression' }, 7).items).toBe(3);
    expect(forEachItems({ value: '@pipeline().parameters.models', type: 'Expression' }, 7, { models: '["churn","segments"]' })).toEqual({ items: 2, how: 'parameter models default' });
    expect(forEachItems({ value: '@variables(\'x\')', type: 'Expression' }, 7).items).toBe(7);
  });
});

describe('Azure cost lines for the pipelines (prod, medium usage)', () => {
  const lines = azureLines(prod);

  it('prices each function app per handler class from its schedule, the usage profile and its instance memory', () => {
    // transform: 730 process runs x 11 = 8,030 executions x 30 s x 2 GB = 481,800 GB-s x $0.000026 + 8,030/1M x $0.40
    const transform = byId(lines, 'azure.functions.transform');
    expect(transform.expected).toBeCloseTo(8_030 * 30 * 2 * 0.000026 + (8_030 / 1e6) * 0.4, 9);
    expect(transform.formula).toBe(
      '730 process runs (schedules.process rate(1 hour)) x 11 = 8,030 executions; 8,030 x 30 s x 2 GB (instance_memory_in_mb 2048) = 481,800 GB-s x $0.000026 + 8,030/1M x $0.4 = $12.53',
    );
    // ingest: 43,800 polls (every minute) + 2,230 ingest runs (730 sweeps + 1,500 drops) x 1, 512 MB
    expect(byId(lines, 'azure.functions.ingest').expected).toBeCloseTo(46_030 * 8 * 0.5 * 0.000026 + (46_030 / 1e6) * 0.4, 9);
  });

  it('subtracts the Flex Consumption monthly free grant once, and says so', () => {
    const grant = byId(lines, 'azure.functions.freeGrant');
    // GB-s: 736,480 ingest + 481,800 transform + ... > 100,000; executions: 43,800 polls + 2,230 ingest runs (730 sweeps + 1,500 drops) + 8,030 + 730 + 56.33 < 250,000, all free
    const executions = 43_800 + 2_230 + 8_030 + 730 + (52 / 12) * 13;
    expect(grant.expected).toBeCloseTo(-(100_000 * 0.000026 + (executions / 1e6) * 0.4), 9);
    expect(grant.formula).toContain('grants 100,000 GB-s and 250,000 on-demand executions per subscription and month');
  });

  it('runs the ingest pipeline once per file drop (its storage event trigger) and per sweep, not every minute', () => {
    const line = byId(lines, 'azure.datafactory.ingest');
    expect(line.formula).toMatch(/^2,230 runs \(ingest-schedule: every 1 hour\(s\); ingest-on-landing: 1,500 file drops \(usage ingestion\.fileDropsPerMonth\)\)/);
    // (2,230 x (1 activity run + 1 trigger run)) / 1,000 x $1 + 2,230 x 1 external activity-minute / 60 x $0.00025
    expect(line.expected).toBeCloseTo(((2_230 * 2) / 1000) * 1 + ((2_230 * 1) / 60) * 0.00025, 9);
  });

  it('prices a Data Factory pipeline as activity runs plus external activity minutes, times its trigger runs', () => {
    const line = byId(lines, 'azure.datafactory.process');
    // 730 runs x (17 activity runs + 1 trigger run) = 13,140 orchestration runs; 15 external activities x 1 min each (30 s and 10 s round up)
    const expected = ((730 * 18) / 1000) * 1 + ((730 * 15) / 60) * 0.00025;
    expect(line.expected).toBeCloseTo(expected, 9);
    expect(line.formula).toContain('730 runs (process-schedule: every 1 hour(s)) x (17 activity runs, ForEach BuildTrustedTables x 3 (fixed list), BuildRefinedTables x 10');
    expect(line.formula).toContain('BuildTrustedTable 3 x 1 min (transform 30 s, rounded up)');
    expect(line.formula).toContain('Notify 1 x 1 min (started minute)');
  });

  it('prices the pipelines SQL warehouse from the SQL minutes of each run plus auto-stop, found by its purpose tag', () => {
    const line = byId(lines, 'azure.databricks.sql.pipelines');
    // process: 730 x (6 + 10) min; retrain: 52/12 x (10 + 10) min; Small = 12 DBU/h, serverless $0.70, 1 cluster (utilisation 0)
    const hours = (730 * 16) / 60 + ((52 / 12) * 20) / 60;
    expect(line.expected).toBeCloseTo(hours * 1 * 12 * 0.7, 6);
    expect(line.max).toBeCloseTo(hours * 2 * 12 * 0.7, 6);
    expect(line.component).toBe('Databricks SQL warehouse (pipelines), Small serverless');
    expect(byId(lines, 'azure.databricks.sql').component).toBe('Databricks SQL warehouse (BI), Small serverless');
  });

  it('caps the warehouse time of a run at the time to the next run', () => {
    const slow = estimateCost({ environment: prod, usage: { ...medium, databricks: { ...medium.databricks, pipelineSqlMinutesPerProcessRun: 55 } }, book, synth: azureSynth({ workspace: workspaceOf(prod) }) });
    const line = slow.clouds.find((cloud) => cloud.cloud === 'azure')!.lines.find((l) => l.id === 'azure.databricks.sql.pipelines')!;
    expect(line.formula).toContain('730 process runs x (55 min SQL + 10 min auto-stop capped at 60 min between runs) = 730 h');
    expect(line.formula).toContain('(capped at 730 h)');
    expect(line.expected).toBeCloseTo(730 * 12 * 0.7, 6);
  });

  it('no longer prices job clusters for the pipelines, and bounds the interactive clusters by the cluster policy autoscale range', () => {
    expect(lines.some((line) => line.id === 'azure.databricks.jobs')).toBe(false);
    const interactive = byId(lines, 'azure.databricks.allPurpose');
    // 40 sessions x (2 h + 30 min) = 100 h; driver 0.253 + 0.55; worker 0.253 x 0.2 + 0.55; 2 + 0.5 x (8 - 2) = 5 workers
    expect(interactive.expected).toBeCloseTo(100 * (0.803 + 5 * 0.6006), 6);
    expect(interactive.min).toBeCloseTo(100 * (0.803 + 2 * 0.6006), 6);
    expect(interactive.max).toBeCloseTo(100 * (0.803 + 8 * 0.6006), 6);
  });

  it('prices Event Grid operations above the free grant and each metric alert time series', () => {
    expect(byId(lines, 'azure.eventgrid').expected).toBe(0); // 20,000 operations are within the 100,000 free
    expect(byId(lines, 'azure.monitor.metricAlerts').expected).toBeCloseTo(0.1, 9);
  });
});

describe('acceptance: editing sizing.databricks changes the estimate (fixture synthesized from each environment)', () => {
  const total = (lines: CostLine[]) => lines.reduce((sum, line) => sum + line.expected, 0);

  it('a larger pipelines warehouse, more clusters or another node type move the pipelines and interactive lines', () => {
    const base = azureLines(prod);
    const bigger = azureLines(withChange(prod, (env) => (env.sizing.databricks.pipelineWarehouse.size = 'Medium')));
    expect(byId(bigger, 'azure.databricks.sql.pipelines').expected).toBeCloseTo(2 * byId(base, 'azure.databricks.sql.pipelines').expected, 6);
    const clusters = azureLines(withChange(prod, (env) => Object.assign(env.sizing.databricks.pipelineWarehouse, { minClusters: 2, maxClusters: 4 })));
    expect(byId(clusters, 'azure.databricks.sql.pipelines').expected).toBeCloseTo(2 * byId(base, 'azure.databricks.sql.pipelines').expected, 6);
    const node = azureLines(withChange(prod, (env) => (env.sizing.databricks.nodeType = 'Standard_D8ds_v5')));
    expect(byId(node, 'azure.databricks.allPurpose').expected).toBeGreaterThan(byId(base, 'azure.databricks.allPurpose').expected);
    expect(byId(node, 'azure.databricks.allPurpose').component).toContain('Standard_D8ds_v5');
    expect(total(node)).toBeGreaterThan(total(base));
  });

  it('dev (2X-Small, 5 min auto-stop) costs less than prod on every pipelines line', () => {
    expect(byId(azureLines(dev), 'azure.databricks.sql.pipelines').expected).toBeLessThan(byId(azureLines(prod), 'azure.databricks.sql.pipelines').expected);
  });
});
