/** KMS: customer managed keys per key-month, and requests. */
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function kmsLines({ usage, book, resources }: ComponentInput): CostLine[] {
  const keys = awsOfType(resources, 'AWS::KMS::Key').length;
  if (keys === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const cost = keys * p('kms.key');
  const requests = usage.kms.requestsPerMonth;
  const requestCost = (requests / 10_000) * p('kms.requests');
  return [
    line('aws', 'kms.keys', 'KMS keys', 'always-on', cost, `${keys} key(s) x ${price(p('kms.key'))}/key-month = ${money(cost)}`),
    line('aws', 'kms.requests', 'KMS requests', 'usage-based', requestCost, `${qty(requests)} requests/10,000 x ${price(p('kms.requests'))} = ${money(requestCost)}`),
  ];
}
