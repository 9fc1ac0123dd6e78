/** How much of a lake layer is hot and how much cooled, the same on S3 (Standard / IA) and ADLS (Hot / Cool). */
import type { Environment, Layer } from '../../config/schema.ts';
import { qty } from '../format/money.ts';
import { DAYS_PER_MONTH } from './schedules.ts';
import type { UsageProfile } from './usage.ts';

/** Hot and infrequent-access GB of a layer, from how much is written per day and the lifecycle knobs. */
export function tiering(env: Environment, usage: UsageProfile, layer: Layer): { hot: number; cool: number; text: string } {
  const lifecycle = env.storage.lifecycle[layer] ?? {};
  const perDay = usage.storage.writtenGbPerMonth[layer] / DAYS_PER_MONTH;
  let stored = usage.storage.storedGb[layer];
  let text = `${qty(stored)} GB in ${layer}`;
  if (lifecycle.expireAfterDays !== undefined && perDay * lifecycle.expireAfterDays < stored) {
    stored = perDay * lifecycle.expireAfterDays;
    text = `${layer} expires after ${lifecycle.expireAfterDays} days: ${qty(usage.storage.writtenGbPerMonth[layer])} GB/month x ${lifecycle.expireAfterDays}/${qty(DAYS_PER_MONTH)} = ${qty(stored)} GB`;
  }
  if (lifecycle.coolAfterDays === undefined) return { hot: stored, cool: 0, text: `${text}, no cooling` };
  const hot = Math.min(stored, perDay * lifecycle.coolAfterDays);
  return { hot, cool: stored - hot, text: `${text}, cooled after ${lifecycle.coolAfterDays} days` };
}
