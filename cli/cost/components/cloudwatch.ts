/** CloudWatch: Logs ingestion and storage over the retention, and alarms. */
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { DAYS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function cloudWatchLogsLines({ env, usage, book, resources }: ComponentInput): CostLine[] {
  const p = (id: string) => unitPrice(book, id);
  // Lambda functions without a declared log group write to an implicit one.
  const implicit = awsOfType(resources, 'AWS::Lambda::Function').filter((fn) => !(fn.resource.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup).length;
  const groups = awsOfType(resources, 'AWS::Logs::LogGroup').length + implicit;
  if (groups === 0) return [];
  const gb = groups * usage.logs.ingestedGbPerLogGroupPerMonth;
  const ingest = gb * p('logs.ingestion');
  const kept = (gb * env.retention.logRetentionDays) / DAYS_PER_MONTH;
  const storage = kept * p('logs.storage');
  return [
    line('aws', 'logs.ingestion', 'CloudWatch Logs ingestion', 'usage-based', ingest, `${groups} log groups x ${qty(usage.logs.ingestedGbPerLogGroupPerMonth)} GB = ${qty(gb)} GB x ${price(p('logs.ingestion'))} = ${money(ingest)}`),
    line('aws', 'logs.storage', 'CloudWatch Logs storage', 'always-on', storage, `${qty(gb)} GB/month x ${env.retention.logRetentionDays} days retention/${qty(DAYS_PER_MONTH)} = ${qty(kept)} GB x ${price(p('logs.storage'))} = ${money(storage)}`),
  ];
}

export function cloudWatchAlarmLines({ book, resources }: ComponentInput): CostLine[] {
  const alarms = awsOfType(resources, 'AWS::CloudWatch::Alarm').length;
  if (alarms === 0) return [];
  const rate = unitPrice(book, 'cloudwatch.alarm');
  const cost = alarms * rate;
  return [line('aws', 'cloudwatch.alarms', 'CloudWatch alarms', 'always-on', cost, `${alarms} alarms x ${price(rate)} = ${money(cost)}`)];
}
