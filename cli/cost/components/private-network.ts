/**
 * Azure private networking (`network.publicAccess` false): the private
 * endpoints (per endpoint-hour, and per GB through them), the private DNS
 * zones (per zone-month), and the function-key reads Data Factory runs on its
 * managed virtual network's integration runtime, which bills external
 * activities at its own, far higher, rate. The virtual network and its
 * subnets are free. Nothing is priced when the output has no endpoint.
 */
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { asList, parseJsonAttribute } from '../../synthesized/terraform-values.ts';
import { line, type CostLine } from '../cost-line.ts';
import type { FlowRuns } from '../flow-runs.ts';
import { HOURS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function privateNetworkLines({ usage, book, resources, flowRuns, notes }: ComponentInput): CostLine[] {
  const endpoints = azureOfType(resources, 'azurerm_private_endpoint').length;
  const zones = azureOfType(resources, 'azurerm_private_dns_zone').length;
  const p = (id: string) => unitPrice(book, id);
  const lines: CostLine[] = [];
  if (endpoints > 0) {
    const rate = p('privatelink.endpoint.hour');
    const cost = endpoints * HOURS_PER_MONTH * rate;
    lines.push(line('azure', 'privatelink.endpoints', 'Private endpoints (lake, vault, function apps and their storage)', 'always-on', cost, `${qty(endpoints)} endpoints x ${HOURS_PER_MONTH} h x ${price(rate)} = ${money(cost)}`));
    // What the functions write to the lake crosses its endpoint once; Databricks reaches the lake on its own path.
    const gb = Object.values(usage.storage.writtenGbPerMonth).reduce((total, value) => total + value, 0);
    const perGb = p('privatelink.dataProcessed');
    const dataCost = gb * perGb;
    lines.push(line('azure', 'privatelink.data', 'Private endpoint data processed', 'usage-based', dataCost, `${qty(gb)} GB written/month (usage storage.writtenGbPerMonth) x ${price(perGb)} = ${money(dataCost)}`));
  }
  if (zones > 0) {
    const rate = p('dns.privateZone');
    const cost = zones * rate;
    lines.push(line('azure', 'privatedns.zones', 'Private DNS zones', 'always-on', cost, `${qty(zones)} zones x ${price(rate)} = ${money(cost)} (queries not included)`));
  }
  const managed = managedNetworkMinutes(resources.azure.filter((r) => r.type === 'azurerm_data_factory_pipeline').map((r) => r.body), flowRuns, notes);
  if (managed.minutes > 0) {
    const rate = p('datafactory.managedVnet.externalActivity');
    const hours = managed.minutes / 60;
    const cost = hours * rate;
    lines.push(
      line('azure', 'datafactory.managedVnet', 'Data Factory managed virtual network (function-key reads)', 'usage-based', cost, `${managed.parts.join(' + ')} = ${qty(hours)} h x ${price(rate)} = ${money(cost)}`),
    );
  }
  return lines;
}

/**
 * Started minutes per month of the activities that run on an integration runtime by `connectVia` (one started minute
 * each: the key reads answer in well under one), per pipeline, times the runs of the flow the pipeline belongs to
 * (`poll-api` runs once per API poll, `<flow>-steps` once per run of its flow).
 */
export function managedNetworkMinutes(pipelines: readonly Record<string, unknown>[], flowRuns: FlowRuns, notes: string[]): { minutes: number; parts: string[] } {
  let minutes = 0;
  const parts: string[] = [];
  for (const pipeline of pipelines) {
    const raw = pipeline.activities_json;
    const activities = typeof raw === 'string' ? parseJsonAttribute(raw) : raw;
    const count = connectedActivities(activities);
    if (count === 0) continue;
    const name = String(pipeline.name);
    const flow = name === 'poll-api' ? 'polls' : name.replace(/-steps$/, '');
    if (!(flow in flowRuns)) {
      notes.push(`${name}: ${count} activity(ies) on the managed virtual network per run; its runs are not counted (no flow of that name)`);
      continue;
    }
    const runs = flowRuns[flow as keyof FlowRuns];
    minutes += runs * count;
    parts.push(`${name} ${qty(runs)} runs x ${count} min`);
  }
  return { minutes, parts };
}

/** Activities, nested ones included, that name an integration runtime (`typeProperties.connectVia`). */
function connectedActivities(list: unknown): number {
  return (asList(list) as Array<Record<string, any>>).reduce((total, activity) => {
    const own = activity?.typeProperties?.connectVia ? 1 : 0;
    const nested = ['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities'].reduce((sum, key) => sum + connectedActivities(activity?.typeProperties?.[key]), 0);
    return total + own + nested;
  }, 0);
}
