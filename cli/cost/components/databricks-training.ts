/**
 * The managed models' Databricks jobs (sizing.training.engine databricks on
 * Azure): one training run per job and retrain run, on a job cluster that
 * follows sizing.databricks (stacks/azure/workspace/training-jobs.ts), billed
 * at the Jobs Compute DBU rate plus its VMs. The job trains on the driver, so
 * autoscale holds the cluster at its policy's fewest workers: that is the
 * expected line; the most workers for the whole of maxRuntimeMinutes is the
 * ceiling.
 */
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function databricksTrainingLines({ env, usage, book, resources, flowRuns, notes }: ComponentInput): CostLine[] {
  const jobs = azureOfType(resources, 'databricks_job').length;
  if (jobs === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const db = env.sizing.databricks;
  const training = env.sizing.training;
  const vm = p(`vm.${db.nodeType}`);
  const dbu = p(`databricks.dbuPerHour.${db.nodeType}`);
  const rate = p('databricks.jobs.dbu');
  const spot = db.spotPolicy === 'on-demand' ? 1 : p('vm.spotFraction');
  const spotText = db.spotPolicy === 'on-demand' ? `${price(vm)}` : `${price(vm)} x ${qty(spot)} spot`;
  // The driver is on-demand under every spotPolicy (first_on_demand 1); workers follow spotPolicy.
  const hourly = (workers: number) => vm + dbu * rate + workers * (vm * spot + dbu * rate);
  const minutes = Math.min(usage.training.minutesPerRun, training.maxRuntimeMinutes);
  const runs = flowRuns.retrain * jobs;
  const cost = (workers: number, runMinutes: number) => (runs * runMinutes * hourly(workers)) / 60;
  const { minWorkers, maxWorkers } = db.autoscale;
  const expected = cost(minWorkers, minutes);
  const max = cost(maxWorkers, training.maxRuntimeMinutes);
  notes.push('azure.databricks.training: the score-mode run of a champion the Databricks job trained (minutes, once per retrain) is not priced apart');
  return [
    line(
      'azure',
      'databricks.training',
      `Databricks training jobs, ${db.nodeType}`,
      'usage-based',
      expected,
      `${qty(flowRuns.retrain)} retrain runs (schedules.retrain ${env.schedules.retrain}) x ${jobs} job(s) x ${qty(minutes)} min/60 x (driver (${price(vm)} + ${qty(dbu)} DBU x ${price(rate)}) + ${qty(minWorkers)} workers x (${spotText} + ${qty(dbu)} DBU x ${price(rate)})) = ${money(expected)}; ` +
        `max at ${maxWorkers} workers (cluster policy) for maxRuntimeMinutes ${training.maxRuntimeMinutes}: ${money(max)}`,
      { min: expected, max },
    ),
  ];
}
