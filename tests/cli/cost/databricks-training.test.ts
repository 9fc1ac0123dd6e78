import { describe, expect, it } from 'vitest';
import { countPipelineRun } from '../../../cli/cost/data-factory.ts';
import { estimateCost, type CostLine } from '../../../cli/cost/estimate.ts';
import { loadPriceBook } from '../../../cli/cost/price-book.ts';
import { runsPerMonth } from '../../../cli/cost/schedules.ts';
import { loadUsage } from '../../../cli/cost/usage.ts';
import { environmentNamed, withChange } from '../../support/environments.ts';
import { azureSynth } from '../plan/azure-synth.ts';

const book = loadPriceBook();
const prod = environmentNamed('prod');
const medium = loadUsage('medium').profile;

/** A workspace stack with the sizing policy and one Databricks job per managed model, as training-jobs.ts renders them. */
const workspace = (jobs: number) => ({
  databricks_cluster_policy: { sizing: { name: 'sizing', definition: '{}' } },
  ...(jobs > 0 ? { databricks_job: Object.fromEntries(Array.from({ length: jobs }, (_, index) => [`training_job_${index}`, { name: `strata-prod-model-${index}-xgboost` }])) } : {}),
});
const linesOf = (environment = prod, jobs = 2, usage = medium): CostLine[] =>
  estimateCost({ environment, usage, book, synth: azureSynth({ workspace: workspace(jobs) }) }).clouds.find((cloud) => cloud.cloud === 'azure')!.lines;
const training = (lines: CostLine[]) => lines.find((line) => line.id === 'azure.databricks.training');

describe('strata cost: the Databricks training jobs (sizing.training.engine databricks)', () => {
  it('prices retrain runs x jobs x minutes x (driver + the policy\'s fewest workers) x (VM + DBU x the Jobs Compute rate), on its own line', () => {
    const line = training(linesOf())!;
    // prod: D4ds_v5 ($0.253/h, 1 DBU/h), Jobs Compute $0.30/DBU, spot 0.2 for workers, 2..8 workers; medium: training minutesPerRun.
    const retrains = runsPerMonth(prod.schedules.retrain);
    const minutes = Math.min(medium.training.minutesPerRun, prod.sizing.training.maxRuntimeMinutes);
    const driver = 0.253 + 1 * 0.3;
    const worker = 0.253 * 0.2 + 1 * 0.3;
    expect(line.expected).toBeCloseTo((retrains * 2 * minutes * (driver + 2 * worker)) / 60, 6);
    expect(line.max).toBeCloseTo((retrains * 2 * prod.sizing.training.maxRuntimeMinutes * (driver + 8 * worker)) / 60, 6);
    expect(line.component).toBe('Databricks training jobs, Standard_D4ds_v5');
    expect(line.formula).toContain('x 2 job(s) x');
    expect(line.formula).toContain('driver ($0.253 + 1 DBU x $0.3) + 2 workers x ($0.253 x 0.2 spot + 1 DBU x $0.3)');
  });

  it('follows the sizing: a bigger node type on demand costs more per minute', () => {
    const bigger = withChange(prod, (env) => {
      env.sizing.databricks.nodeType = 'Standard_E8ds_v5';
      env.sizing.databricks.spotPolicy = 'on-demand';
    });
    const line = training(linesOf(bigger))!;
    expect(line.formula).toContain('driver ($0.648 + 2 DBU x $0.3) + 2 workers x ($0.648 + 2 DBU x $0.3)');
    expect(line.expected).toBeGreaterThan(training(linesOf())!.expected);
  });

  it('prices no training line without a Databricks job in the synth (the embedded engine)', () => {
    expect(training(linesOf(prod, 0))).toBeUndefined();
  });

  it('counts a Databricks Job activity as external time for as long as a training run', () => {
    const run = countPipelineRun(JSON.stringify([{ name: 'RunTrainingJobSellerChurn', type: 'DatabricksJob', linkedServiceName: { referenceName: 'databricks-jobs' }, typeProperties: { jobId: '1' } }]), 0);
    expect(run.external).toEqual([{ name: 'RunTrainingJobSellerChurn', type: 'DatabricksJob', count: 1, linkedService: 'databricks-jobs' }]);
  });
});
