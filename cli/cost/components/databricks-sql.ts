/**
 * Databricks SQL warehouses, told apart by their `strata:purpose` tag (an
 * untagged one is the BI warehouse, as before the pipelines had theirs): BI
 * by warehouse starts, pipelines by the SQL minutes of each process and
 * retrain run plus the auto-stop tail.
 */
import type { Environment } from '../../../config/schema.ts';
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import type { TfResource } from '../../synthesized/synth-output.ts';
import { tagOf } from '../../synthesized/terraform-values.ts';
import { line, type CostLine } from '../cost-line.ts';
import { HOURS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

type WarehouseConfig = Environment['sizing']['databricks']['sqlWarehouse'];

interface Warehouse {
  readonly size: string;
  readonly minClusters: number;
  readonly maxClusters: number;
  readonly autoStopMinutes: number;
  readonly serverless: boolean;
}

const purposeOf = (endpoint: TfResource) => (tagOf(endpoint.body, 'strata:purpose') === 'pipelines' ? 'pipelines' : 'bi');

function warehouseSizing(endpoint: TfResource, configured: WarehouseConfig): Warehouse {
  const body = endpoint.body;
  return {
    size: typeof body.cluster_size === 'string' ? body.cluster_size : configured.size,
    minClusters: typeof body.min_num_clusters === 'number' ? body.min_num_clusters : configured.minClusters,
    maxClusters: typeof body.max_num_clusters === 'number' ? body.max_num_clusters : configured.maxClusters,
    autoStopMinutes: typeof body.auto_stop_mins === 'number' ? body.auto_stop_mins : configured.autoStopMinutes,
    serverless: typeof body.enable_serverless_compute === 'boolean' ? body.enable_serverless_compute : configured.serverless,
  };
}

const warehouseLabel = (what: string, w: Warehouse) => `Databricks SQL warehouse (${what}), ${w.size}${w.serverless ? ' serverless' : ' pro (VMs not included)'}`;

export function databricksSqlLines({ env, usage, book, resources, flowRuns }: ComponentInput): CostLine[] {
  const p = (id: string) => unitPrice(book, id);
  const warehouseRate = (serverless: boolean) => p(serverless ? 'databricks.sql.serverless.dbu' : 'databricks.sql.pro.dbu');
  const endpoints = azureOfType(resources, 'databricks_sql_endpoint');
  const lines: CostLine[] = [];

  const bi = endpoints.find((endpoint) => purposeOf(endpoint) === 'bi');
  if (bi) {
    const warehouse = warehouseSizing(bi, env.sizing.databricks.sqlWarehouse);
    const rate = warehouseRate(warehouse.serverless);
    const dbuPerHour = p(`databricks.sql.size.${warehouse.size}`);
    const hours = usage.databricks.sqlSessionsPerMonth * (usage.databricks.sqlHoursPerSession + warehouse.autoStopMinutes / 60);
    const clusters = warehouse.minClusters + usage.databricks.sqlClusterUtilisation * (warehouse.maxClusters - warehouse.minClusters);
    const cost = (count: number) => hours * count * dbuPerHour * rate;
    lines.push(
      line(
        'azure',
        'databricks.sql',
        warehouseLabel('BI', warehouse),
        'usage-based',
        cost(clusters),
        `${qty(usage.databricks.sqlSessionsPerMonth)} starts x (${qty(usage.databricks.sqlHoursPerSession)} h + ${warehouse.autoStopMinutes} min auto-stop) = ${qty(hours)} h x ${qty(clusters)} clusters x ${qty(dbuPerHour)} DBU/h x ${price(rate)} = ${money(cost(clusters))}; ` +
          `clusters ${warehouse.minClusters}..${warehouse.maxClusters}: min ${money(cost(warehouse.minClusters))}, max ${money(cost(warehouse.maxClusters))}`,
        { min: cost(warehouse.minClusters), max: cost(warehouse.maxClusters) },
      ),
    );
  }

  const pipelines = endpoints.find((endpoint) => purposeOf(endpoint) === 'pipelines');
  if (pipelines) {
    const warehouse = warehouseSizing(pipelines, env.sizing.databricks.pipelineWarehouse);
    const rate = warehouseRate(warehouse.serverless);
    const dbuPerHour = p(`databricks.sql.size.${warehouse.size}`);
    // Each run keeps the warehouse on for its SQL minutes plus the auto-stop tail, but never longer than the time to the next run.
    const perFlow = (['process', 'retrain'] as const).map((flow) => {
      const busy = flow === 'process' ? usage.databricks.pipelineSqlMinutesPerProcessRun : usage.databricks.pipelineSqlMinutesPerRetrainRun;
      const count = flowRuns[flow];
      const gap = count > 0 ? (HOURS_PER_MONTH * 60) / count : 0;
      const minutes = Math.min(busy + warehouse.autoStopMinutes, gap);
      const capped = busy + warehouse.autoStopMinutes > gap ? ` capped at ${qty(gap)} min between runs` : '';
      return { hours: (count * minutes) / 60, text: `${qty(count)} ${flow} runs x (${qty(busy)} min SQL + ${warehouse.autoStopMinutes} min auto-stop${capped}) = ${qty((count * minutes) / 60)} h` };
    });
    const uncapped = perFlow.reduce((total, flow) => total + flow.hours, 0);
    const hours = Math.min(uncapped, HOURS_PER_MONTH);
    const clusters = warehouse.minClusters + usage.databricks.pipelineClusterUtilisation * (warehouse.maxClusters - warehouse.minClusters);
    const cost = (count: number) => hours * count * dbuPerHour * rate;
    lines.push(
      line(
        'azure',
        'databricks.sql.pipelines',
        warehouseLabel('pipelines', warehouse),
        'usage-based',
        cost(clusters),
        `${perFlow.map((flow) => flow.text).join(' + ')} = ${qty(hours)} h${uncapped > HOURS_PER_MONTH ? ` (capped at ${HOURS_PER_MONTH} h)` : ''} x ${qty(clusters)} clusters x ${qty(dbuPerHour)} DBU/h x ${price(rate)} = ${money(cost(clusters))}; ` +
          `clusters ${warehouse.minClusters}..${warehouse.maxClusters}: min ${money(cost(warehouse.minClusters))}, max ${money(cost(warehouse.maxClusters))}`,
        { min: cost(warehouse.minClusters), max: cost(warehouse.maxClusters) },
      ),
    );
  }
  return lines;
}
