/**
 * Data Factory, one line per pipeline: orchestration (activity runs counted in
 * its activities_json, ForEach items included, plus the trigger's own run) and
 * activity execution on the Azure integration runtime (billed by the started
 * minute), times the runs per month of its triggers.
 */
import { FLOW_NAMES, HANDLERS, type HandlerName } from '../../../pipelines/flows/flow.ts';
import { HANDLER_CLASSES, type HandlerClass } from '../../../config/schema.ts';
import { APP_SETTINGS } from '../../../lambdas/entrypoints/azure/app-settings.ts';
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import type { TfResource } from '../../synthesized/synth-output.ts';
import { asList, literalName, names, parseJsonAttribute, references } from '../../synthesized/terraform-values.ts';
import { line, type CostLine } from '../cost-line.ts';
import { countPipelineRun, type ExternalActivity } from '../data-factory.ts';
import { runs } from '../flow-runs.ts';
import { ScheduleError, triggerRunsPerMonth } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function dataFactoryLines({ env, usage, book, resources, notes }: ComponentInput): CostLine[] {
  const pipelines = azureOfType(resources, 'azurerm_data_factory_pipeline').sort((a, b) => a.address.localeCompare(b.address));
  if (pipelines.length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const triggers = resources.azure.filter((r) => r.type === 'azurerm_data_factory_trigger_schedule' || r.type === 'azurerm_data_factory_trigger_blob_event');
  const linkedServices = resources.azure.filter((r) => r.type.startsWith('azurerm_data_factory_linked_service'));
  const apps = azureOfType(resources, 'azurerm_function_app_flex_consumption');
  const byAddress = new Map(resources.azure.map((r) => [r.address, r]));
  const lines: CostLine[] = [];

  /** The handler class behind a function activity: its functionName is the handler (one HTTP function per handler), else the app its linked service points at. */
  const classOf = (activity: ExternalActivity, functionName: unknown): HandlerClass | undefined => {
    if (typeof functionName === 'string' && functionName in HANDLERS) return HANDLERS[functionName as HandlerName].handlerClass;
    const service = linkedServices.find((r) => activity.linkedService !== undefined && names(activity.linkedService, r));
    const app = service ? references(service.body).map((address) => byAddress.get(address)).find((r) => r?.type === 'azurerm_function_app_flex_consumption') : undefined;
    const setting = (app ?? (apps.length === 1 ? apps[0] : undefined))?.body.app_settings as Record<string, unknown> | undefined;
    return HANDLER_CLASSES.find((name) => name === setting?.[APP_SETTINGS.handlerClass]);
  };

  for (const pipeline of pipelines) {
    const own = triggers.filter((trigger) => names(trigger.body.pipeline_name, pipeline) || asList(trigger.body.pipeline).some((entry) => names((entry as { name?: unknown }).name, pipeline)));
    let runsPerMonth = 0;
    let triggerRuns = 0;
    const schedules: string[] = [];
    for (const trigger of own) {
      if (trigger.body.activated === false) {
        schedules.push(`${literalName(trigger)} deactivated`);
        continue;
      }
      if (trigger.type === 'azurerm_data_factory_trigger_blob_event') {
        // One run per file landing (the usage profile's drops); runs it starts while one is in progress queue.
        const drops = usage.ingestion.fileDropsPerMonth;
        runsPerMonth += drops;
        triggerRuns += drops;
        schedules.push(`${literalName(trigger)}: ${qty(drops)} file drops (usage ingestion.fileDropsPerMonth)`);
        continue;
      }
      try {
        const counted = triggerRunsPerMonth(trigger.body);
        runsPerMonth += counted.runs;
        triggerRuns += counted.runs;
        schedules.push(`${literalName(trigger)}: ${counted.text}`);
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        notes.push(`${trigger.address}: ${error.message}; counted as 0 runs`);
      }
    }
    if (own.length === 0) {
      const flow = FLOW_NAMES.find((name) => `${pipeline.address} ${pipeline.path} ${String(pipeline.body.name ?? '')}`.toLowerCase().includes(name));
      // A pipeline another one runs (Execute Pipeline), such as the steps after a continue-if check.
      const parent = pipelines.find((other) => other !== pipeline && String(other.body.activities_json ?? '').includes(`"referenceName":${JSON.stringify(String(pipeline.body.name ?? ''))}`));
      if (flow) {
        runsPerMonth = runs(env.schedules[flow], notes, `schedules.${flow}`);
        schedules.push(
          parent
            ? `run by ${literalName(parent)} (Execute Pipeline) when its check finds work; counted at every run of schedules.${flow} ${env.schedules[flow]}, an upper bound`
            : `no schedule trigger; schedules.${flow} ${env.schedules[flow]}`,
        );
      } else {
        notes.push(`${pipeline.address}: no schedule trigger and no flow name in its name; counted as 0 runs`);
        schedules.push('no schedule trigger');
      }
    }

    const parameters = (pipeline.body.parameters ?? {}) as Record<string, unknown>;
    const run = countPipelineRun(pipeline.body.activities_json, usage.dataFactory.forEachItemsWhenDynamic, parameters);
    if (run.copies > 0) notes.push(`${pipeline.address}: ${run.copies} Copy activity run(s) per run; data movement (DIU-hours) is not priced`);
    const functionNames = azureFunctionNames(pipeline);
    const externalParts = run.external.map((activity) => {
      // WebHook steps name their handler in the URL (data-factory.ts reads it); Azure Function activities by functionName.
      const handlerClass = activity.handlerClass ?? (activity.type === 'AzureFunctionActivity' ? classOf(activity, functionNames.get(activity.name)) : undefined);
      if (activity.type === 'DatabricksJob') {
        // The activity waits for the job's run: as long as a training job takes (usage.training.minutesPerRun, capped).
        const jobMinutes = Math.max(1, Math.ceil(Math.min(usage.training.minutesPerRun, env.sizing.training.maxRuntimeMinutes)));
        return { minutes: activity.count * jobMinutes, text: `${activity.name} ${qty(activity.count)} x ${jobMinutes} min (Databricks job run)` };
      }
      const minutes = handlerClass ? Math.max(1, Math.ceil(usage.functions[handlerClass].secondsPerInvocation / 60)) : 1;
      return { minutes: activity.count * minutes, text: `${activity.name} ${qty(activity.count)} x ${minutes} min${handlerClass ? ` (${handlerClass} ${qty(usage.functions[handlerClass].secondsPerInvocation)} s, rounded up)` : ' (started minute)'}` };
    });
    const externalMinutes = externalParts.reduce((total, part) => total + part.minutes, 0);
    const triggerPerRun = runsPerMonth > 0 ? triggerRuns / runsPerMonth : 0;
    const orchestration = runsPerMonth * (run.activityRuns + triggerPerRun);
    const externalHours = (runsPerMonth * externalMinutes) / 60;
    const pipelineHours = (runsPerMonth * run.pipelineActivities) / 60;
    const cost = (orchestration / 1000) * p('datafactory.orchestration') + externalHours * p('datafactory.externalActivity') + pipelineHours * p('datafactory.pipelineActivity');
    const loops = run.loops.length > 0 ? `, ForEach ${run.loops.join(', ')}` : '';
    const pipelineText = run.pipelineActivities > 0 ? ` + ${qty(pipelineHours)} h pipeline activities x ${price(p('datafactory.pipelineActivity'))}` : '';
    lines.push(
      line(
        'azure',
        `datafactory.${literalName(pipeline)}`,
        `Data Factory, pipeline ${literalName(pipeline)}`,
        'usage-based',
        cost,
        `${qty(runsPerMonth)} runs (${schedules.join('; ')}) x (${qty(run.activityRuns)} activity runs${loops}${triggerPerRun > 0 ? ' + 1 trigger run' : ''}) = ${qty(orchestration)} runs/1,000 x ${price(p('datafactory.orchestration'))}` +
          ` + ${qty(runsPerMonth)} x ${qty(externalMinutes)} external activity-min (${externalParts.map((part) => part.text).join(', ') || 'none'}) = ${qty(externalHours)} h x ${price(p('datafactory.externalActivity'))}${pipelineText} = ${money(cost)}`,
      ),
    );
  }
  return lines;
}

/** The functionName of every Azure Function activity of a pipeline, nested ones (ForEach, If, Switch) included, by activity name. */
function azureFunctionNames(pipeline: TfResource): Map<string, unknown> {
  const functionNames = new Map<string, unknown>();
  const collect = (list: unknown) => {
    for (const activity of asList(typeof list === 'string' ? parseJsonAttribute(list) : list) as Array<Record<string, any>>) {
      if (activity?.type === 'AzureFunctionActivity') functionNames.set(String(activity.name), activity.typeProperties?.functionName);
      for (const key of ['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities']) collect(activity?.typeProperties?.[key]);
      for (const entry of asList(activity?.typeProperties?.cases)) collect((entry as { activities?: unknown }).activities);
    }
  };
  collect(pipeline.body.activities_json);
  return functionNames;
}
