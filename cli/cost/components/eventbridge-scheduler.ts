/**
 * EventBridge Scheduler: invocations of every synthesized schedule. A schedule
 * the platform made from the environment says which in its description
 * (`schedules.<key> in the environment file`), and is counted from that key,
 * the same runs the Step Functions, Lambda and Athena lines multiply, so no
 * line counts a flow's runs from the templates while another counts them from
 * the config.
 */
import type { Environment } from '../../../config/schema.ts';
import { money, price, qty } from '../../format/money.ts';
import { awsOfType, type AwsResource } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { runs } from '../flow-runs.ts';
import { unitPrice, type ComponentInput } from './component.ts';

type ScheduleKey = keyof Environment['schedules'];

/** The environment schedule a synthesized schedule was made from, as its description names it. */
export function scheduleKeyOf(schedule: AwsResource, env: Environment): ScheduleKey | undefined {
  const description = schedule.resource.Properties?.Description;
  const key = typeof description === 'string' ? /\bschedules\.(\w+) in the environment file/.exec(description)?.[1] : undefined;
  return key !== undefined && Object.hasOwn(env.schedules, key) ? (key as ScheduleKey) : undefined;
}

export function schedulerLines({ env, book, resources, notes }: ComponentInput): CostLine[] {
  const schedules = awsOfType(resources, 'AWS::Scheduler::Schedule');
  if (schedules.length === 0) return [];
  const rate = unitPrice(book, 'scheduler.invocations');
  // flowRunsOf has noted an environment schedule it cannot count; counting it again here notes nothing new.
  const quiet: string[] = [];
  const counts = schedules.map((schedule) => {
    const synthesized = schedule.resource.Properties?.ScheduleExpression;
    const key = scheduleKeyOf(schedule, env);
    if (key === undefined) {
      const count = typeof synthesized === 'string' ? runs(synthesized, notes, `schedule ${schedule.path}`) : 0;
      return { count, text: qty(count) };
    }
    const configured = env.schedules[key];
    if (typeof synthesized === 'string' && synthesized !== configured) {
      notes.push(`schedule ${schedule.path}: the templates run ${synthesized}, the environment's schedules.${key} says ${configured}; priced from the environment, as every line of that flow is`);
    }
    const count = runs(configured, quiet, `schedules.${key}`);
    return { count, text: `${qty(count)} (schedules.${key} ${configured})` };
  });
  const invocations = counts.reduce((total, schedule) => total + schedule.count, 0);
  const cost = (invocations / 1_000_000) * rate;
  return [
    line('aws', 'scheduler', `EventBridge Scheduler, ${schedules.length} schedule(s)`, 'usage-based', cost, `${counts.map((schedule) => schedule.text).join(' + ')} = ${qty(invocations)} invocations/1M x ${price(rate)} = ${money(cost)}`),
  ];
}
