/** EventBridge Scheduler: invocations of every synthesized schedule, counted from its own expression. */
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { runs } from '../flow-runs.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function schedulerLines({ book, resources, notes }: ComponentInput): CostLine[] {
  const schedules = awsOfType(resources, 'AWS::Scheduler::Schedule');
  if (schedules.length === 0) return [];
  const rate = unitPrice(book, 'scheduler.invocations');
  const counts = schedules.map((schedule) => {
    const expression = schedule.resource.Properties?.ScheduleExpression;
    return typeof expression === 'string' ? runs(expression, notes, `schedule ${schedule.path}`) : 0;
  });
  const invocations = counts.reduce((a, b) => a + b, 0);
  const cost = (invocations / 1_000_000) * rate;
  return [line('aws', 'scheduler', `EventBridge Scheduler, ${schedules.length} schedule(s)`, 'usage-based', cost, `${counts.map(qty).join(' + ')} = ${qty(invocations)} invocations/1M x ${price(rate)} = ${money(cost)}`)];
}
