/** Event Grid: operations per month beyond the monthly free grant. */
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function eventGridLines({ usage, book, resources }: ComponentInput): CostLine[] {
  const topics = azureOfType(resources, 'azurerm_eventgrid_topic').length;
  if (topics === 0) return [];
  const operations = usage.eventGrid.operationsPerMonth;
  const grant = unitPrice(book, 'eventgrid.freeGrant.operations');
  const rate = unitPrice(book, 'eventgrid.operations');
  const billed = Math.max(0, operations - grant);
  const cost = (billed / 1_000_000) * rate;
  return [line('azure', 'eventgrid', `Event Grid, ${topics} topic(s)`, 'usage-based', cost, `(${qty(operations)} operations - ${qty(grant)} free per month) = ${qty(billed)}/1M x ${price(rate)} = ${money(cost)}`)];
}
