/** The NAT gateway a Databricks workspace without public IPs sends its egress through. */
import { money, price } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { HOURS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function natGatewayLines({ book, resources }: ComponentInput): CostLine[] {
  const natted = azureOfType(resources, 'azurerm_databricks_workspace').filter((workspace) => (workspace.body.custom_parameters as { no_public_ip?: unknown } | undefined)?.no_public_ip === true).length;
  if (natted === 0) return [];
  const rate = unitPrice(book, 'natgateway.hour');
  const cost = natted * HOURS_PER_MONTH * rate;
  return [line('azure', 'natgateway', 'NAT gateway (Databricks without public IPs)', 'always-on', cost, `${natted} x ${HOURS_PER_MONTH} h x ${price(rate)} = ${money(cost)} (data processed not included)`)];
}
