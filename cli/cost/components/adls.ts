/** ADLS (the storage accounts): storage per lake layer (Hot and Cool from the lifecycle knobs) and operations. */
import { LAYERS } from '../../../config/schema.ts';
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { tiering } from '../tiering.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function adlsLines({ env, usage, book, resources }: ComponentInput): CostLine[] {
  if (azureOfType(resources, 'azurerm_storage_account').length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const lines: CostLine[] = [];
  for (const layer of LAYERS) {
    const { hot, cool, text } = tiering(env, usage, layer);
    const cost = hot * p('adls.hot.storage') + cool * p('adls.cool.storage');
    lines.push(line('azure', `adls.storage.${layer}`, `ADLS storage, ${layer}`, 'always-on', cost, `${text}: ${qty(hot)} GB Hot x ${price(p('adls.hot.storage'))} + ${qty(cool)} GB Cool x ${price(p('adls.cool.storage'))} = ${money(cost)}`));
  }
  const writes = usage.storage.writeRequestsPerMonth;
  const reads = usage.storage.readRequestsPerMonth;
  const cost = (writes / 10_000) * p('adls.requests.write') + (reads / 10_000) * p('adls.requests.read');
  lines.push(line('azure', 'adls.requests', 'ADLS operations', 'usage-based', cost, `${qty(writes)} writes/10,000 x ${price(p('adls.requests.write'))} + ${qty(reads)} reads/10,000 x ${price(p('adls.requests.read'))} = ${money(cost)}`));
  return lines;
}
