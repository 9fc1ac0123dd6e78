/**
 * The Azure pipelines stack, synthesized with `app.synth()` into temporary
 * folders (so the function bundle asset is really written), once per
 * environment in beforeAll.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadFilesInSourceTree } from '../../support/catalog.ts';
import { CATALOG, FLOWS } from '../../support/catalog.ts';
import { HANDLER_CLASSES, type Environment, type HandlerClass } from '../../../config/schema.ts';
import { APP_SETTINGS } from '../../../lambdas/entrypoints/azure/app-settings.ts';
import { type FlowDefinition } from '../../../pipelines/flows/index.ts';
import { buildAzureApp, FUNCTION_BUILD_DIR } from '../../../stacks/azure/azure-app.ts';
import { API_KEY_PLACEHOLDER, MANAGED_RUNTIME_NAME, STEP_CALLBACK_MARGIN_SECONDS } from '../../../stacks/azure/pipelines-stack.ts';
import { ScheduleConversionError } from '../../../stacks/azure/flows/schedule-recurrence.ts';
import { TAG_KEYS } from '../../../stacks/shared/naming.ts';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';
import { environmentNamed, environmentWith } from '../../support/environments.ts';
import { onlyResource, resourcesOf, TEST_VERSION, type TfJson } from './synth-helpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'strata-azure-pipelines-'));

interface Synthesized {
  readonly outdir: string;
  readonly stack: TfJson;
  readonly text: string;
  readonly manifest: TfJson;
}

function synthesize(name: string, environment: Environment): Synthesized {
  const outdir = join(scratch, name);
  buildAzureApp({ environment, version: TEST_VERSION, outdir }).app.synth();
  const text = readFileSync(join(outdir, 'stacks', 'pipelines', 'cdk.tf.json'), 'utf8');
  return { outdir, stack: JSON.parse(text) as TfJson, text, manifest: JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as TfJson };
}

/** Every configuration this file looks at. */
const configs = {
  prod: () => environmentNamed('prod'),
  prodAgain: () => environmentNamed('prod'),
  dev: () => environmentNamed('dev'),
  /** A cost tuner's edit of prod: smaller shared memory, a bigger ml class, longer transform timeout, other schedules. */
  edited: () =>
    environmentWith('prod', (document) => {
      document.sizing.lambda.memoryMb = 128;
      document.sizing.lambda.overrides.ml.memoryMb = 6144;
      document.sizing.lambda.overrides.transform.timeoutSeconds = 600;
      document.schedules.ingest = 'rate(5 minutes)';
      document.schedules.ingestSweep = 'rate(30 minutes)';
      document.schedules.process = 'rate(2 hours)';
      document.schedules.retrain = 'cron(30 4 ? * SUN *)';
    }),
  /** dev (public lake) training on Databricks on Azure. */
  databricks: () => environmentWith('dev', (document) => (document.sizing.training.engine = { aws: 'embedded', azure: 'databricks' })),
};
const synthesized = {} as Record<keyof typeof configs, Synthesized>;
beforeAll(() => {
  for (const [name, environment] of Object.entries(configs)) {
    synthesized[name as keyof typeof configs] = synthesize(name, environment());
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The function app of a handler class (found by its STRATA_HANDLER_CLASS app setting). */
function appOf(stack: TfJson, handlerClass: HandlerClass): TfJson {
  const apps = Object.values(resourcesOf(stack, 'azurerm_function_app_flex_consumption')).filter(
    (app) => app.app_settings[APP_SETTINGS.handlerClass] === handlerClass,
  );
  expect(apps, handlerClass).toHaveLength(1);
  return apps[0]!;
}

/** The terraform_data that publishes a class's app code, with the bundle path its command names. */
function codeDeploymentOf(stack: TfJson, handlerClass: HandlerClass): { key: string; body: TfJson; command: string; bundlePath: string } {
  const [appKey] = Object.entries(resourcesOf(stack, 'azurerm_function_app_flex_consumption')).find(([, app]) => app.app_settings[APP_SETTINGS.handlerClass] === handlerClass)!;
  const deployments = Object.entries(resourcesOf(stack, 'terraform_data')).filter(([, body]) => body.triggers_replace?.appId === `\${azurerm_function_app_flex_consumption.${appKey}.id}`);
  expect(deployments, handlerClass).toHaveLength(1);
  const [key, body] = deployments[0]!;
  const command = body.provisioner[0]['local-exec'].command as string;
  return { key, body, command, bundlePath: /--src "([^"]+)"/.exec(command)![1]! };
}

function pipelineNamed(stack: TfJson, name: string): TfJson {
  const pipelines = Object.values(resourcesOf(stack, 'azurerm_data_factory_pipeline')).filter((pipeline) => pipeline.name === name);
  expect(pipelines, name).toHaveLength(1);
  return pipelines[0]!;
}

/** The trigger that starts a pipeline (its pipeline_name is a reference to the pipeline resource). */
function triggerOf(stack: TfJson, pipelineName: string): TfJson {
  const [address] = Object.entries(resourcesOf(stack, 'azurerm_data_factory_pipeline')).find(([, pipeline]) => pipeline.name === pipelineName)!;
  const triggers = Object.values(resourcesOf(stack, 'azurerm_data_factory_trigger_schedule')).filter(
    (trigger) => trigger.pipeline_name === `\${azurerm_data_factory_pipeline.${address}.name}`,
  );
  expect(triggers, pipelineName).toHaveLength(1);
  return triggers[0]!;
}

/** Names of every activity in a pipeline's activities_json, nested ones (ForEach, If, Until) included. */
function activityNames(pipeline: TfJson): string[] {
  const names: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.name === 'string' && typeof record.type === 'string') names.push(record.name);
      Object.values(record).forEach(walk);
    }
  };
  walk(JSON.parse(pipeline.activities_json as string));
  return names;
}

/** Step names of a flow definition, the Map steps' inner steps included. */
function stepNames(flow: FlowDefinition): string[] {
  return flow.steps.flatMap((step) => (step.kind === 'map' ? [step.name, step.step.name] : [step.name]));
}

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

const platformOutput = (name: string) => `\${data.terraform_remote_state.platform.outputs.${name}}`;
const workspaceOutput = (name: string) => `\${data.terraform_remote_state.workspace.outputs.${name}}`;

describe('Azure pipelines stack', () => {
  describe('the stack', () => {
    it('is a third stack that depends on platform and workspace and reads both states', () => {
      const { manifest, stack } = synthesized.prod;
      expect(Object.keys(manifest.stacks).sort()).toEqual(['pipelines', 'platform', 'workspace']);
      expect(manifest.stacks.pipelines.dependencies).toEqual(['platform', 'workspace']);
      expect(stack.data.terraform_remote_state.platform.config.key).toBe('strata/prod/platform.tfstate');
      expect(stack.data.terraform_remote_state.workspace.config.key).toBe('strata/prod/workspace.tfstate');
      expect(stack.terraform.backend.azurerm.key).toBe('strata/prod/pipelines.tfstate');
    });

    it('builds the function bundle in a folder of the outdir that is not a stack', () => {
      const { outdir, manifest } = synthesized.prod;
      expect(filesUnder(join(outdir, FUNCTION_BUILD_DIR)).some((file) => file.endsWith('.zip'))).toBe(true);
      expect(Object.values(manifest.stacks as Record<string, TfJson>).map((stack) => stack.workingDirectory)).not.toContain(FUNCTION_BUILD_DIR);
    });

    it('is byte-identical across two synths, asset included, and holds no absolute path', () => {
      const first = join(synthesized.prod.outdir, 'stacks', 'pipelines');
      const second = join(synthesized.prodAgain.outdir, 'stacks', 'pipelines');
      const files = filesUnder(first);
      expect(filesUnder(second)).toEqual(files);
      for (const file of files) {
        expect(readFileSync(join(second, file)).equals(readFileSync(join(first, file))), file).toBe(true);
      }
      for (const needle of [REPO_ROOT, scratch, tmpdir(), 'node_modules']) {
        expect(synthesized.prod.text).not.toContain(needle);
      }
    });

    it('tags every taggable resource with the platform version and environment', () => {
      for (const [type, resources] of Object.entries(synthesized.prod.stack.resource as Record<string, Record<string, TfJson>>)) {
        for (const [name, resource] of Object.entries(resources)) {
          if (!('tags' in resource)) continue;
          expect(resource.tags, `${type}.${name}`).toMatchObject({ [TAG_KEYS.version]: TEST_VERSION, [TAG_KEYS.environment]: 'prod' });
        }
      }
      for (const type of ['azurerm_data_factory', 'azurerm_function_app_flex_consumption', 'azurerm_eventgrid_topic', 'azurerm_application_insights']) {
        for (const resource of Object.values(resourcesOf(synthesized.prod.stack, type))) expect(resource.tags, type).toBeDefined();
      }
    });
  });

  describe('the flows on Data Factory', () => {
    it.each(FLOWS.map((flow) => [flow.name, flow] as const))('%s: a pipeline whose activities hold every step of the flow definition (the steps after a continue-if in <flow>-steps)', (_name, flow) => {
      const pipeline = pipelineNamed(synthesized.prod.stack, flow.name);
      const continued = Object.values(resourcesOf(synthesized.prod.stack, 'azurerm_data_factory_pipeline')).find((candidate) => candidate.name === `${flow.name}-steps`);
      const names = [...activityNames(pipeline), ...(continued ? activityNames(continued) : [])];
      for (const step of stepNames(flow)) expect(names, `${flow.name} step ${step}`).toContain(step);
      expect(continued !== undefined, flow.name).toBe(flow.steps.some((step) => step.kind === 'continue-if'));
      for (const each of [pipeline, ...(continued ? [continued] : [])]) {
        expect(each.concurrency).toBe(1);
        expect(each.data_factory_id).toBe('${azurerm_data_factory.factory.id}');
      }
    });

    it('writes the process-steps pipeline before the process pipeline that runs it, with the same run options', () => {
      const pipelines = Object.entries(resourcesOf(synthesized.prod.stack, 'azurerm_data_factory_pipeline'));
      const [continuedKey, continued] = pipelines.find(([, pipeline]) => pipeline.name === 'process-steps')!;
      const process = pipelineNamed(synthesized.prod.stack, 'process');
      expect(process.depends_on).toContain(`azurerm_data_factory_pipeline.${continuedKey}`);
      expect(continued.parameters).toEqual(process.parameters);
      // Started by the process pipeline only: no trigger of its own.
      const triggers = Object.values(resourcesOf(synthesized.prod.stack, 'azurerm_data_factory_trigger_schedule'));
      expect(triggers.filter((trigger) => String(trigger.pipeline_name).includes(continuedKey))).toEqual([]);
    });

    it('holds no Terraform template syntax in activities_json but references to the topic, the function apps, the vault and the key secrets', () => {
      for (const pipeline of Object.values(resourcesOf(synthesized.prod.stack, 'azurerm_data_factory_pipeline'))) {
        const json = pipeline.activities_json as string;
        expect(json, pipeline.name).not.toContain('%{');
        for (const reference of json.match(/\$\{[^}]*\}/g) ?? []) {
          expect(reference, pipeline.name).toMatch(
            /^\$\{(azurerm_eventgrid_topic\.notifications\.endpoint|azurerm_function_app_flex_consumption\.\w+\.default_hostname|data\.terraform_remote_state\.platform\.outputs\.key_vault_uri|azurerm_key_vault_secret\.\w+\.name)\}$/,
          );
        }
      }
    });

    it('runs every handler step as a WebHook on its class app, the function key read from Key Vault at run time (no key in the JSON)', () => {
      const { stack } = synthesized.prod;
      const apps = Object.fromEntries(
        Object.entries(resourcesOf(stack, 'azurerm_function_app_flex_consumption')).map(([address, app]) => [app.app_settings[APP_SETTINGS.handlerClass] as string, address]),
      );
      const secrets = Object.fromEntries(
        Object.entries(resourcesOf(stack, 'azurerm_key_vault_secret'))
          .filter(([, secret]) => (secret.name as string).startsWith('function-key-'))
          .map(([address, secret]) => [(secret.name as string).slice('function-key-'.length), address]),
      );
      for (const pipeline of Object.values(resourcesOf(stack, 'azurerm_data_factory_pipeline'))) {
        const activities = JSON.parse(pipeline.activities_json as string) as TfJson[];
        const all = activities.flatMap((activity) => [activity, ...((activity.typeProperties?.activities as TfJson[] | undefined) ?? [])]);
        const hooks = all.filter((activity) => activity.type === 'WebHook');
        expect(hooks.length, pipeline.name).toBeGreaterThan(0);
        expect(all.filter((activity) => activity.type === 'AzureFunctionActivity')).toEqual([]);
        for (const hook of hooks) {
          const [, handlerClass] = /^@activity\('FunctionKey-(\w+)'\)\.output\.value$/.exec(hook.typeProperties.headers['x-functions-key'].value)!;
          expect(hook.typeProperties.url).toMatch(new RegExp(`^https://\\$\\{azurerm_function_app_flex_consumption\\.${apps[handlerClass!]}\\.default_hostname\\}/api/[a-z-]+$`));
          expect(hook.typeProperties.reportStatusOnCallBack).toBe(true);
          expect(hook.policy).toEqual({ secureInput: true, secureOutput: false });
          const key = activities.find((activity) => activity.name === `FunctionKey-${handlerClass}`)!;
          expect(key.typeProperties).toEqual({
            url: `\${data.terraform_remote_state.platform.outputs.key_vault_uri}secrets/\${azurerm_key_vault_secret.${secrets[handlerClass!]}.name}?api-version=7.4`,
            method: 'GET',
            authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
            // prod is private: the vault is reached through the managed virtual network's runtime.
            connectVia: { referenceName: MANAGED_RUNTIME_NAME, type: 'IntegrationRuntimeReference' },
          });
          expect(key.policy.secureOutput).toBe(true);
        }
      }
      // Nothing links the functions or the vault any more: the activities call them directly.
      for (const type of ['azurerm_data_factory_linked_service_azure_function', 'azurerm_data_factory_linked_service_key_vault']) expect(resourcesOf(stack, type), type).toEqual({});
      expect(onlyResource(stack, 'azurerm_data_factory').identity).toEqual({ type: 'SystemAssigned' });
      expect(Object.values(resourcesOf(stack, 'azurerm_role_assignment'))).toContainEqual(
        expect.objectContaining({
          scope: platformOutput('key_vault_id'),
          role_definition_name: 'Key Vault Secrets User',
          principal_id: '${azurerm_data_factory.factory.identity[0].principal_id}',
        }),
      );
    });

    it('ingest, process and retrain start on the environment schedules, in UTC, activated', () => {
      const stack = synthesized.prod.stack;
      // prod: the ingest sweep rate(1 hour), the poller rate(1 minute), rate(1 hour), cron(0 3 ? * MON *)
      expect(triggerOf(stack, 'ingest')).toMatchObject({ frequency: 'Hour', interval: 1, time_zone: 'UTC', activated: true });
      expect(triggerOf(stack, 'poll-api')).toMatchObject({ frequency: 'Minute', interval: 1, time_zone: 'UTC', activated: true });
      expect(triggerOf(stack, 'poll-api')).not.toHaveProperty('schedule');
      expect(triggerOf(stack, 'process')).toMatchObject({ frequency: 'Hour', interval: 1, time_zone: 'UTC', activated: true });
      expect(triggerOf(stack, 'retrain')).toMatchObject({
        frequency: 'Week',
        interval: 1,
        schedule: { minutes: [0], hours: [3], days_of_week: ['Monday'] },
        time_zone: 'UTC',
        activated: true,
      });
      // No start time written: it would be a timestamp in the output.
      for (const trigger of Object.values(resourcesOf(stack, 'azurerm_data_factory_trigger_schedule'))) expect(trigger).not.toHaveProperty('start_time');
    });

    it('follows schedule edits in the environment file', () => {
      const stack = synthesized.edited.stack;
      expect(triggerOf(stack, 'poll-api')).toMatchObject({ frequency: 'Minute', interval: 5 });
      expect(triggerOf(stack, 'ingest')).toMatchObject({ frequency: 'Minute', interval: 30 });
      expect(triggerOf(stack, 'process')).toMatchObject({ frequency: 'Hour', interval: 2 });
      expect(triggerOf(stack, 'retrain')).toMatchObject({ frequency: 'Week', schedule: { minutes: [30], hours: [4], days_of_week: ['Sunday'] } });
      expect(triggerOf(synthesized.dev.stack, 'poll-api')).toMatchObject({ frequency: 'Minute', interval: 5 });
    });

    it('starts ingest when a file lands in raw/landing/, through a storage event trigger on the lake; the schedule sweeps', () => {
      const stack = synthesized.prod.stack;
      const triggers = Object.values(resourcesOf(stack, 'azurerm_data_factory_trigger_blob_event'));
      expect(triggers).toHaveLength(1);
      expect(triggers[0]).toMatchObject({
        name: 'ingest-on-landing',
        storage_account_id: '${data.terraform_remote_state.platform.outputs.storage_account_id}',
        events: ['Microsoft.Storage.BlobCreated'],
        blob_path_begins_with: '/raw/blobs/landing/',
        ignore_empty_blobs: true,
        activated: true,
      });
      expect(triggers[0]!.pipeline).toEqual([{ name: `\${azurerm_data_factory_pipeline.${Object.entries(resourcesOf(stack, 'azurerm_data_factory_pipeline')).find(([, body]) => body.name === 'ingest')![0]}.name}` }]);
      // Runs it starts while one is in progress queue behind it, so no drop waits for the sweep.
      expect(pipelineNamed(stack, 'ingest').concurrency).toBe(1);
    });

    it('polls the APIs on the ingest schedule with a one-activity pipeline calling the ingest functions', () => {
      const pipeline = pipelineNamed(synthesized.prod.stack, 'poll-api');
      const activities = JSON.parse(pipeline.activities_json as string) as TfJson[];
      expect(activities.map((activity) => [activity.name, activity.type])).toEqual([
        ['FunctionKey-ingest', 'WebActivity'],
        ['PollApi', 'WebHook'],
      ]);
      expect(activities[1]!.typeProperties.url).toMatch(/\/api\/poll-api$/);
      expect(triggerOf(synthesized.prod.stack, 'poll-api')).toMatchObject({ frequency: 'Minute', interval: 1, activated: true });
      expect(triggerOf(synthesized.edited.stack, 'poll-api')).toMatchObject({ frequency: 'Minute', interval: 5 });
    });

    it('waits for a handler step’s callback through all its tries (3 x the class timeoutSeconds, 5 s apart) plus the queue margin', () => {
      const hookTimeouts = (which: keyof typeof configs) => {
        const activities = ['process', 'process-steps'].flatMap((name) => JSON.parse(pipelineNamed(synthesized[which].stack, name).activities_json as string) as TfJson[]);
        const all = activities.flatMap((activity) => [activity, ...((activity.typeProperties?.activities as TfJson[] | undefined) ?? [])]);
        return Object.fromEntries(all.filter((activity) => activity.type === 'WebHook').map((activity) => [activity.name, activity.typeProperties.timeout]));
      };
      expect(STEP_CALLBACK_MARGIN_SECONDS).toBe(300);
      // transform 3 x 900 s + 2 x 5 s + 300 s = 3010 s; quality 3 x 300 s + 10 s + 300 s = 1210 s
      expect(hookTimeouts('prod')).toMatchObject({ BuildTrustedTable1: '0.00:50:10', CheckQuality: '0.00:20:10' });
      expect(hookTimeouts('edited')).toMatchObject({ BuildTrustedTable1: '0.00:35:10' }); // 3 x 600 s + 10 s + 300 s
    });

    it('refuses a schedule Data Factory cannot express, naming the key', () => {
      const environment = environmentWith('prod', (document) => (document.schedules.process = 'cron(0 3 ? * 6#3 *)'));
      expect(() => buildAzureApp({ environment, version: TEST_VERSION, outdir: join(scratch, 'refused') })).toThrow(ScheduleConversionError);
      expect(() => buildAzureApp({ environment, version: TEST_VERSION, outdir: join(scratch, 'refused') })).toThrow(/schedules\.process/);
    });

  });

  describe('the function apps', () => {
    it('one Flex Consumption app per handler class on Node 22, https only, as the class identity', () => {
      const stack = synthesized.prod.stack;
      expect(Object.keys(resourcesOf(stack, 'azurerm_function_app_flex_consumption'))).toHaveLength(HANDLER_CLASSES.length);
      for (const handlerClass of HANDLER_CLASSES) {
        const app = appOf(stack, handlerClass);
        expect(app).toMatchObject({ runtime_name: 'node', runtime_version: '22', https_only: true, storage_authentication_type: 'UserAssignedIdentity' });
        expect(app.identity).toEqual({ type: 'UserAssigned', identity_ids: [platformOutput(`identity_${handlerClass}_id`)] });
        expect(app.storage_user_assigned_identity_id).toBe(platformOutput(`identity_${handlerClass}_id`));
        expect(app).not.toHaveProperty('storage_access_key');
        expect(onlyServicePlan(stack, app)).toMatchObject({ sku_name: 'FC1', os_type: 'Linux' });
      }
    });

    it('publishes each app\'s code through OneDeploy (the Azure CLI), not zip_deploy_file, which calls the /api/zipdeploy Flex Consumption lacks', () => {
      const { stack } = synthesized.prod;
      for (const handlerClass of HANDLER_CLASSES) {
        const app = appOf(stack, handlerClass);
        expect(app).not.toHaveProperty('zip_deploy_file');
        const { key, body, command, bundlePath } = codeDeploymentOf(stack, handlerClass);
        const appKey = Object.entries(resourcesOf(stack, 'azurerm_function_app_flex_consumption')).find(([, candidate]) => candidate === app)![0];
        // The app by its id, a reference: Terraform publishes after the app exists, to the app's own subscription.
        expect(command).toBe(`az functionapp deployment source config-zip --ids "\${azurerm_function_app_flex_consumption.${appKey}.id}" --src "${bundlePath}"`);
        // A new bundle, or a replaced app, publishes again.
        expect(body.triggers_replace.bundleSha256).toMatch(/^[0-9a-f]{64}$/);
        expect(bundlePath).toContain(body.triggers_replace.bundleSha256);
        // The function key is read once the functions are deployed.
        const keysOfApp = Object.values((stack.data?.azurerm_function_app_host_keys ?? {}) as Record<string, TfJson>).filter((keys) => keys.name === `\${azurerm_function_app_flex_consumption.${appKey}.name}`);
        expect(keysOfApp, handlerClass).toHaveLength(1);
        expect(keysOfApp[0]!.depends_on).toEqual([`terraform_data.${key}`]);
      }
    });

    it('deploys the bundle asset, which exists in the outdir and holds the workload files', () => {
      const { stack, outdir } = synthesized.prod;
      const paths = new Set(HANDLER_CLASSES.map((handlerClass) => codeDeploymentOf(stack, handlerClass).bundlePath));
      expect(paths.size).toBe(1);
      const [path] = [...paths];
      expect(path).toMatch(/^assets\/function_bundle\/[0-9a-f]{64}\/[\w.-]+\.zip$/);
      const zipFile = join(outdir, 'stacks', 'pipelines', path!);
      expect(existsSync(zipFile)).toBe(true);
      const entries = Object.keys(unzipSync(readFileSync(zipFile)));
      const workloadFiles = workloadFilesInSourceTree();
      expect(workloadFiles.length).toBeGreaterThan(0);
      for (const file of workloadFiles) expect(entries, file).toContain(file);
    });

    it('sets every app setting the runtime reads: its class, the pipelines warehouse, the lake, the vault, its identity', () => {
      const stack = synthesized.prod.stack;
      for (const handlerClass of HANDLER_CLASSES) {
        const settings = appOf(stack, handlerClass).app_settings as Record<string, string>;
        expect(settings).toMatchObject({
          [APP_SETTINGS.handlerClass]: handlerClass,
          [APP_SETTINGS.warehouseId]: workspaceOutput('pipeline_warehouse_id'),
          [APP_SETTINGS.storageAccount]: platformOutput('storage_account_name'),
          [APP_SETTINGS.databricksHost]: `https://${platformOutput('workspace_url')}`,
          [APP_SETTINGS.keyVaultUri]: platformOutput('key_vault_uri'),
          [APP_SETTINGS.clientId]: platformOutput(`identity_${handlerClass}_client_id`),
          [APP_SETTINGS.mlflowExperimentFolder]: workspaceOutput('mlflow_experiment_folder'),
          AzureWebJobsStorage__credential: 'managedidentity',
          AzureWebJobsStorage__clientId: platformOutput(`identity_${handlerClass}_client_id`),
          APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${platformOutput(`identity_${handlerClass}_client_id`)};Authorization=AAD`,
        });
        expect(JSON.parse(settings[APP_SETTINGS.settings]!)).toMatchObject({ name: 'prod', platformVersion: TEST_VERSION, trainingEngine: 'embedded' });
        expect(appOf(stack, handlerClass).site_config.application_insights_connection_string).toBe('${azurerm_application_insights.functions_insights.connection_string}');
      }
      // mlflow off in dev: no experiment folder (the workspace stack has no such output then).
      expect(appOf(synthesized.dev.stack, 'ml').app_settings).not.toHaveProperty(APP_SETTINGS.mlflowExperimentFolder);
    });

    it('sizes instance memory from sizing.lambda, rounded up to a Flex size (512, 2048, 4096 MB)', () => {
      const memory = (which: keyof typeof configs, handlerClass: HandlerClass) => appOf(synthesized[which].stack, handlerClass).instance_memory_in_mb;
      // prod: ingest 1920 from its limits, transform override 3008, ml override 4096, quality the shared 1024.
      expect(memory('prod', 'ingest')).toBe(2048);
      expect(memory('prod', 'transform')).toBe(4096);
      expect(memory('prod', 'ml')).toBe(4096);
      expect(memory('prod', 'quality')).toBe(2048);
      // dev: the shared 512 for all but ml (2048).
      expect(memory('dev', 'quality')).toBe(512);
      expect(memory('dev', 'ml')).toBe(2048);
      // edited: shared 128 rounds up to 512; ml 6144 is above the largest Flex size and gets it.
      expect(memory('edited', 'quality')).toBe(512);
      expect(memory('edited', 'ml')).toBe(4096);
    });

    it('sets the host function timeout from the class timeoutSeconds', () => {
      const timeout = (which: keyof typeof configs, handlerClass: HandlerClass) =>
        appOf(synthesized[which].stack, handlerClass).app_settings.AzureFunctionsJobHost__functionTimeout;
      // ingest: 440 s, from ingestion.maxFileMb and maxUnpackedMb (prod sets no override).
      expect(timeout('prod', 'ingest')).toBe('00:07:20');
      expect(timeout('prod', 'transform')).toBe('00:15:00');
      expect(timeout('prod', 'quality')).toBe('00:05:00');
      expect(timeout('edited', 'transform')).toBe('00:10:00');
    });

    it('gives each app its own runtime storage, locked down (no shared keys, TLS 1.2, HTTPS only, no public blobs), owned by its identity only', () => {
      const stack = synthesized.prod.stack;
      const accounts = resourcesOf(stack, 'azurerm_storage_account');
      expect(Object.values(accounts).map((account) => account.name).sort()).toEqual(HANDLER_CLASSES.map((handlerClass) => `stfnprod${handlerClass}`).sort());
      for (const account of Object.values(accounts)) {
        expect(account).toMatchObject({ shared_access_key_enabled: false, min_tls_version: 'TLS1_2', https_traffic_only_enabled: true, allow_nested_items_to_be_public: false });
      }
      const accountOf = (handlerClass: string) => `\${azurerm_storage_account.${Object.entries(accounts).find(([, account]) => account.name === `stfnprod${handlerClass}`)![0]}`;
      const roles = Object.values(resourcesOf(stack, 'azurerm_role_assignment'));
      for (const handlerClass of HANDLER_CLASSES) {
        const owned = roles.filter((role) => role.role_definition_name === 'Storage Blob Data Owner' && role.principal_id === platformOutput(`identity_${handlerClass}_principal_id`));
        expect(owned.map((role) => role.scope)).toEqual([`${accountOf(handlerClass)}.id}`]);
        for (const [role, scope] of [
          ['Monitoring Metrics Publisher', '${azurerm_application_insights.functions_insights.id}'],
        ]) {
          expect(roles).toContainEqual(expect.objectContaining({ role_definition_name: role, scope, principal_id: platformOutput(`identity_${handlerClass}_principal_id`) }));
        }
      }
      expect(Object.values(resourcesOf(stack, 'azurerm_storage_container')).map((container) => container.name).sort()).toEqual(
        HANDLER_CLASSES.map((handlerClass) => `deploy-${handlerClass}`).sort(),
      );
    });

    it('gives each app its step queue and poison queue in the runtime storage account, its identity allowed on those queues only', () => {
      const stack = synthesized.prod.stack;
      const queues = resourcesOf(stack, 'azurerm_storage_queue');
      expect(Object.values(queues).map((queue) => queue.name).sort()).toEqual(
        HANDLER_CLASSES.flatMap((handlerClass) => [`strata-steps-${handlerClass}`, `strata-steps-${handlerClass}-poison`]).sort(),
      );
      const accounts = resourcesOf(stack, 'azurerm_storage_account');
      const accountOf = (handlerClass: string) => `\${azurerm_storage_account.${Object.entries(accounts).find(([, account]) => account.name === `stfnprod${handlerClass}`)![0]}`;
      for (const handlerClass of HANDLER_CLASSES) {
        for (const queue of Object.values(queues).filter((candidate) => (candidate.name as string).startsWith(`strata-steps-${handlerClass}`))) {
          expect(queue.storage_account_id).toBe(`${accountOf(handlerClass)}.id}`);
        }
      }
      const roles = Object.values(resourcesOf(stack, 'azurerm_role_assignment'));
      for (const handlerClass of HANDLER_CLASSES) {
        const principal = platformOutput(`identity_${handlerClass}_principal_id`);
        const own = Object.entries(queues)
          .filter(([, queue]) => (queue.name as string).startsWith(`strata-steps-${handlerClass}`))
          .map(([address]) => `\${azurerm_storage_queue.${address}.id}`);
        expect(own).toHaveLength(2);
        const queueRoles = roles.filter((role) => role.principal_id === principal && String(role.role_definition_name).startsWith('Storage Queue'));
        expect(queueRoles.map((role) => [role.scope, role.role_definition_name]).sort()).toEqual(
          own.flatMap((scope) => [[scope, 'Storage Queue Data Contributor'], [scope, 'Storage Queue Data Message Processor']]).sort(),
        );
        expect(appOf(stack, handlerClass).app_settings).toMatchObject({
          AzureWebJobsStorage__queueServiceUri: `${accountOf(handlerClass)}.primary_queue_endpoint}`,
          AzureWebJobsStorage__credential: 'managedidentity',
          AzureWebJobsStorage__clientId: platformOutput(`identity_${handlerClass}_client_id`),
        });
      }
    });

    it('sends telemetry to a workspace-based Application Insights with local auth disabled', () => {
      expect(onlyResource(synthesized.prod.stack, 'azurerm_application_insights')).toMatchObject({
        workspace_id: platformOutput('log_analytics_workspace_id'),
        local_authentication_disabled: true,
      });
    });
  });

  describe('secrets', () => {
    it('copies each app function key into Key Vault by reference: no key value in the synthesized JSON', () => {
      const { stack, text } = synthesized.prod;
      const secrets = Object.values(resourcesOf(stack, 'azurerm_key_vault_secret')).filter((secret) => (secret.name as string).startsWith('function-key-'));
      expect(secrets).toHaveLength(HANDLER_CLASSES.length);
      for (const secret of secrets) {
        expect(secret.value).toMatch(/^\$\{data\.azurerm_function_app_host_keys\.\w+\.default_function_key\}$/);
        expect(secret.key_vault_id).toBe(platformOutput('key_vault_id'));
      }
      for (const needle of ['AccountKey=', 'InstrumentationKey=', 'SharedAccessSignature', 'sig=', 'primary_access_key', 'primary_connection_string']) {
        expect(text).not.toContain(needle);
      }
    });

    it('creates the API key secrets as placeholders an operator replaces, each readable by the ingest identity only', () => {
      const stack = synthesized.prod.stack;
      const [address, secret] = Object.entries(resourcesOf(stack, 'azurerm_key_vault_secret')).find(([, candidate]) => candidate.name === 'strata-prod-weather-api-key')!;
      expect(secret).toMatchObject({ value: API_KEY_PLACEHOLDER, lifecycle: { ignore_changes: ['value'] } });
      const readers = Object.values(resourcesOf(stack, 'azurerm_role_assignment')).filter(
        (role) => role.scope === `\${azurerm_key_vault_secret.${address}.resource_versionless_id}`,
      );
      expect(readers).toEqual([expect.objectContaining({ role_definition_name: 'Key Vault Secrets User', principal_id: platformOutput('identity_ingest_principal_id') })]);
    });
  });

  describe('notifications, alerts and diagnostics', () => {
    it('notify steps publish to an Event Grid topic with local auth disabled, as the factory identity', () => {
      const stack = synthesized.prod.stack;
      expect(onlyResource(stack, 'azurerm_eventgrid_topic')).toMatchObject({ local_auth_enabled: false, input_schema: 'EventGridSchema' });
      expect(pipelineNamed(stack, 'retrain').activities_json).toContain('${azurerm_eventgrid_topic.notifications.endpoint}');
      expect(Object.values(resourcesOf(stack, 'azurerm_role_assignment'))).toContainEqual(
        expect.objectContaining({
          scope: '${azurerm_eventgrid_topic.notifications.id}',
          role_definition_name: 'EventGrid Data Sender',
          principal_id: '${azurerm_data_factory.factory.identity[0].principal_id}',
        }),
      );
    });

    it('alerts on any failed pipeline run of the factory', () => {
      const stack = synthesized.prod.stack;
      const alert = onlyResource(stack, 'azurerm_monitor_metric_alert');
      expect(alert.scopes).toEqual(['${azurerm_data_factory.factory.id}']);
      expect(alert.criteria).toEqual([
        { metric_namespace: 'Microsoft.DataFactory/factories', metric_name: 'PipelineFailedRuns', aggregation: 'Total', operator: 'GreaterThan', threshold: 0 },
      ]);
      expect(alert.action).toEqual([{ action_group_id: '${azurerm_monitor_action_group.failures.id}' }]);
    });

    it('sends diagnostics of the factory (pipeline, activity and trigger runs), every function app and the topic to Log Analytics', () => {
      const settings = Object.values(resourcesOf(synthesized.prod.stack, 'azurerm_monitor_diagnostic_setting'));
      for (const setting of settings) expect(setting.log_analytics_workspace_id).toBe(platformOutput('log_analytics_workspace_id'));
      const byTarget = new Map(settings.map((setting) => [setting.target_resource_id as string, setting]));
      expect(byTarget.get('${azurerm_data_factory.factory.id}')?.enabled_log).toEqual([
        { category: 'PipelineRuns' },
        { category: 'ActivityRuns' },
        { category: 'TriggerRuns' },
      ]);
      expect(byTarget.get('${azurerm_eventgrid_topic.notifications.id}')).toBeDefined();
      for (const name of Object.keys(resourcesOf(synthesized.prod.stack, 'azurerm_function_app_flex_consumption'))) {
        expect(byTarget.get(`\${azurerm_function_app_flex_consumption.${name}.id}`)?.enabled_log, name).toEqual([{ category: 'FunctionAppLogs' }]);
      }
    });
  });
});

describe('managed training on Databricks (sizing.training.engine gives Azure databricks)', () => {
  it('runs the managed models\' train and score steps as their Databricks jobs, through one linked service as the ml identity', () => {
    const { stack } = synthesized.databricks;
    const retrain = JSON.parse(pipelineNamed(stack, 'retrain').activities_json as string) as TfJson[];
    const jobs = retrain.flatMap((activity) => [activity, ...((activity.typeProperties?.ifTrueActivities as TfJson[] | undefined) ?? [])]).filter((activity) => activity.type === 'DatabricksJob');
    const managed = CATALOG.models.filter((model) => model.managedAlgorithm === 'xgboost');
    // A training run and a scoring run per managed model.
    expect(jobs).toHaveLength(2 * managed.length);
    for (const job of jobs) {
      expect(job.linkedServiceName).toEqual({ referenceName: '${azurerm_data_factory_linked_custom_service.factory_databricks.name}', type: 'LinkedServiceReference' });
      expect(job.typeProperties.jobId).toMatch(/^\$\{data\.terraform_remote_state\.workspace\.outputs\.training_job_id_\w+\}$/);
    }
    const factory = onlyResource(stack, 'azurerm_data_factory');
    expect(factory.identity).toEqual({ type: 'SystemAssigned, UserAssigned', identity_ids: [platformOutput('identity_ml_id')] });
    const credential = onlyResource(stack, 'azurerm_data_factory_credential_user_managed_identity');
    expect(credential.identity_id).toBe(platformOutput('identity_ml_id'));
    const linked = onlyResource(stack, 'azurerm_data_factory_linked_custom_service');
    expect(linked.type).toBe('AzureDatabricks');
    expect(JSON.parse(linked.type_properties_json as string)).toEqual({
      domain: `https://${platformOutput('workspace_url')}`,
      authentication: 'MSI',
      workspaceResourceId: platformOutput('workspace_resource_id'),
      credential: { referenceName: '${azurerm_data_factory_credential_user_managed_identity.factory_ml_credential.name}', type: 'CredentialReference' },
    });
    expect(pipelineNamed(stack, 'retrain').depends_on).toContain('azurerm_data_factory_linked_custom_service.factory_databricks');
    expect(pipelineNamed(stack, 'ingest').depends_on).not.toContain('azurerm_data_factory_linked_custom_service.factory_databricks');
    expect(JSON.parse(appOf(stack, 'ml').app_settings[APP_SETTINGS.settings] as string)).toMatchObject({ trainingEngine: 'databricks' });
    // The job ids and the linked service are the only new references the activities hold.
    for (const reference of (pipelineNamed(stack, 'retrain').activities_json as string).match(/\$\{[^}]*\}/g) ?? []) {
      expect(reference).toMatch(/^\$\{(azurerm_function_app_flex_consumption\.\w+\.default_hostname|data\.terraform_remote_state\.platform\.outputs\.key_vault_uri|azurerm_key_vault_secret\.\w+\.name|azurerm_eventgrid_topic\.notifications\.endpoint|data\.terraform_remote_state\.workspace\.outputs\.training_job_id_\w+|azurerm_data_factory_linked_custom_service\.\w+\.name)\}$/);
    }
  });

  it('keeps every step on its handler with the embedded engine (dev): no job activity, linked service or second identity', () => {
    const { stack } = synthesized.dev;
    expect(pipelineNamed(stack, 'retrain').activities_json).not.toContain('DatabricksJob');
    expect(resourcesOf(stack, 'azurerm_data_factory_linked_custom_service')).toEqual({});
    expect(onlyResource(stack, 'azurerm_data_factory').identity).toEqual({ type: 'SystemAssigned' });
    expect(JSON.parse(appOf(stack, 'ml').app_settings[APP_SETTINGS.settings] as string)).toMatchObject({ trainingEngine: 'embedded' });
  });
});

function onlyServicePlan(stack: TfJson, app: TfJson): TfJson {
  const match = /^\$\{azurerm_service_plan\.(\w+)\.id\}$/.exec(app.service_plan_id as string);
  expect(match).not.toBeNull();
  return resourcesOf(stack, 'azurerm_service_plan')[match![1]!]!;
}
