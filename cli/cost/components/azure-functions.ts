/**
 * Azure Functions Flex Consumption, on demand: executions and GB-seconds of
 * each handler class, the class read from the app's STRATA_HANDLER_CLASS
 * setting and the memory from its instance_memory_in_mb; then the monthly
 * free grant.
 */
import { HANDLER_CLASSES } from '../../../config/schema.ts';
import { APP_SETTINGS } from '../../../lambdas/entrypoints/azure/app-settings.ts';
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { callsOf } from '../flow-runs.ts';
import { unitPrice, type ComponentInput } from './component.ts';

/** What a Flex Consumption app gets when instance_memory_in_mb is not set. */
const DEFAULT_INSTANCE_MEMORY_MB = 2048;

export function azureFunctionsLines({ env, usage, book, resources, flowRuns, notes }: ComponentInput): CostLine[] {
  const apps = azureOfType(resources, 'azurerm_function_app_flex_consumption').sort((a, b) => a.address.localeCompare(b.address));
  if (apps.length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const rate = p('functions.flex.onDemand.gbSecond');
  const executionRate = p('functions.flex.onDemand.executions');
  const lines: CostLine[] = [];
  let gbSeconds = 0;
  let executions = 0;
  const seen = new Set<string>();
  for (const app of apps) {
    const setting = (app.body.app_settings as Record<string, unknown> | undefined)?.[APP_SETTINGS.handlerClass];
    const handlerClass = HANDLER_CLASSES.find((name) => name === setting);
    if (!handlerClass) {
      notes.push(`${app.address}: no ${APP_SETTINGS.handlerClass} app setting naming a handler class; its executions are not priced`);
      continue;
    }
    if (app.body.always_ready !== undefined) notes.push(`${app.address}: always-ready instances are not priced (on-demand only)`);
    const profile = usage.functions[handlerClass];
    const calls = callsOf(handlerClass, flowRuns, profile.invocationsPerRun, env, usage);
    const count = calls.count;
    const memoryMb = Number(app.body.instance_memory_in_mb ?? DEFAULT_INSTANCE_MEMORY_MB);
    const gb = memoryMb / 1024;
    const seconds = count * profile.secondsPerInvocation * gb;
    const cost = seconds * rate + (count / 1_000_000) * executionRate;
    gbSeconds += seconds;
    executions += count;
    const id = seen.has(handlerClass) ? `functions.${handlerClass}.${app.name}` : `functions.${handlerClass}`;
    seen.add(handlerClass);
    lines.push(
      line(
        'azure',
        id,
        `Azure Functions (Flex Consumption), ${handlerClass} handlers`,
        'usage-based',
        cost,
        `${calls.text} = ${qty(count)} executions; ` +
          `${qty(count)} x ${qty(profile.secondsPerInvocation)} s x ${qty(gb)} GB (instance_memory_in_mb ${memoryMb}) = ${qty(seconds)} GB-s x ${price(rate)} + ${qty(count)}/1M x ${price(executionRate)} = ${money(cost)}`,
      ),
    );
  }
  if (executions > 0) {
    const grantGbSeconds = p('functions.flex.freeGrant.gbSeconds');
    const grantExecutionCount = p('functions.flex.freeGrant.executions');
    const grantSeconds = Math.min(gbSeconds, grantGbSeconds);
    const grantExecutions = Math.min(executions, grantExecutionCount);
    const grant = grantSeconds * rate + (grantExecutions / 1_000_000) * executionRate;
    lines.push(
      line(
        'azure',
        'functions.freeGrant',
        'Azure Functions (Flex Consumption), monthly free grant',
        'usage-based',
        -grant,
        `the Flex Consumption price page grants ${qty(grantGbSeconds)} GB-s and ${qty(grantExecutionCount)} on-demand executions per subscription and month: ` +
          `min(${qty(gbSeconds)}, ${qty(grantGbSeconds)}) GB-s x ${price(rate)} + min(${qty(executions)}, ${qty(grantExecutionCount)})/1M x ${price(executionRate)} = -${money(grant)} (if no other Flex app in the subscription uses it)`,
      ),
    );
  }
  return lines;
}
