/** S3: storage per lake layer (Standard and Standard-IA from the lifecycle knobs) and requests. */
import { LAYERS } from '../../../config/schema.ts';
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { tiering } from '../tiering.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function s3Lines({ env, usage, book, resources }: ComponentInput): CostLine[] {
  if (awsOfType(resources, 'AWS::S3::Bucket').length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const lines: CostLine[] = [];
  for (const layer of LAYERS) {
    const { hot, cool, text } = tiering(env, usage, layer);
    const cost = hot * p('s3.standard.storage') + cool * p('s3.standardIa.storage');
    lines.push(
      line('aws', `s3.storage.${layer}`, `S3 storage, ${layer}`, 'always-on', cost, `${text}: ${qty(hot)} GB x ${price(p('s3.standard.storage'))} + ${qty(cool)} GB IA x ${price(p('s3.standardIa.storage'))} = ${money(cost)}`),
    );
  }
  const writes = usage.storage.writeRequestsPerMonth;
  const reads = usage.storage.readRequestsPerMonth;
  const cost = (writes / 1000) * p('s3.requests.put') + (reads / 1000) * p('s3.requests.get');
  lines.push(line('aws', 's3.requests', 'S3 requests', 'usage-based', cost, `${qty(writes)} PUT/1,000 x ${price(p('s3.requests.put'))} + ${qty(reads)} GET/1,000 x ${price(p('s3.requests.get'))} = ${money(cost)}`));
  return lines;
}
