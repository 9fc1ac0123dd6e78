/**
 * Databricks all-purpose (interactive) compute: session hours x (driver +
 * workers) x (VM + DBU x rate), workers within the cluster policy's autoscale
 * range. Job clusters no longer run the pipelines (their SQL runs on the
 * pipelines warehouse, databricks-sql.ts); the policy now bounds the
 * interactive / ad-hoc clusters, so its autoscale range is theirs.
 */
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function databricksComputeLines({ env, usage, book, resources }: ComponentInput): CostLine[] {
  if (azureOfType(resources, 'azurerm_databricks_workspace').length === 0 && azureOfType(resources, 'databricks_cluster_policy').length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const db = env.sizing.databricks;
  const vm = p(`vm.${db.nodeType}`);
  const dbu = p(`databricks.dbuPerHour.${db.nodeType}`);
  const spot = db.spotPolicy === 'on-demand' ? 1 : p('vm.spotFraction');
  const spotText = db.spotPolicy === 'on-demand' ? `${price(vm)}` : `${price(vm)} x ${qty(spot)} spot`;
  const node = (rate: number, workers: number) => vm + dbu * rate + workers * (vm * spot + dbu * rate);
  const allPurposeRate = p('databricks.allPurpose.dbu');
  const sessionHours = usage.databricks.interactiveSessionsPerMonth * (usage.databricks.interactiveHoursPerSession + db.autoTerminationMinutes / 60);
  const { minWorkers, maxWorkers } = db.autoscale;
  const workers = minWorkers + usage.databricks.autoscaleUtilisation * (maxWorkers - minWorkers);
  const interactive = (count: number) => sessionHours * node(allPurposeRate, count);
  return [
    line(
      'azure',
      'databricks.allPurpose',
      `Databricks all-purpose (interactive) compute, ${db.nodeType}`,
      'usage-based',
      interactive(workers),
      `${qty(usage.databricks.interactiveSessionsPerMonth)} sessions x (${qty(usage.databricks.interactiveHoursPerSession)} h + ${db.autoTerminationMinutes} min idle) = ${qty(sessionHours)} h x (driver (${price(vm)} + ${qty(dbu)} DBU x ${price(allPurposeRate)}) + ${qty(workers)} workers x (${spotText} + ${qty(dbu)} DBU x ${price(allPurposeRate)})) = ${money(interactive(workers))}; ` +
        `autoscale ${minWorkers}..${maxWorkers} workers (cluster policy): min ${money(interactive(minWorkers))}, max ${money(interactive(maxWorkers))}`,
      { min: interactive(minWorkers), max: interactive(maxWorkers) },
    ),
  ];
}
