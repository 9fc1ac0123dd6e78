/** Log Analytics: ingestion (31 days of retention included) and the retention beyond, from the synthesized workspace. */
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { DAYS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

/** Days of retention the ingestion price includes. */
const INCLUDED_DAYS = 31;

export function logAnalyticsLines({ usage, book, resources }: ComponentInput): CostLine[] {
  const workspaces = azureOfType(resources, 'azurerm_log_analytics_workspace');
  if (workspaces.length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const gb = usage.logs.azureIngestedGbPerMonth;
  const cost = gb * p('loganalytics.ingestion');
  const lines = [line('azure', 'loganalytics.ingestion', 'Log Analytics ingestion', 'usage-based', cost, `${qty(gb)} GB x ${price(p('loganalytics.ingestion'))} (31 days retention included) = ${money(cost)}`)];
  const retention = Number(workspaces[0]!.body.retention_in_days ?? 30);
  if (retention > INCLUDED_DAYS) {
    const kept = (gb * (retention - INCLUDED_DAYS)) / DAYS_PER_MONTH;
    const retentionCost = kept * p('loganalytics.retention');
    lines.push(line('azure', 'loganalytics.retention', 'Log Analytics retention', 'always-on', retentionCost, `${qty(gb)} GB/month x (${retention} - 31) days/${qty(DAYS_PER_MONTH)} = ${qty(kept)} GB x ${price(p('loganalytics.retention'))} = ${money(retentionCost)}`));
  }
  return lines;
}
