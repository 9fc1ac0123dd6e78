/**
 * A workload enabled before its data arrives: its models' retrain steps are
 * skipped, said so, while a workload with data trains
 * (lambdas/ml/models-without-data.ts, handlers/skippable-model-step.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_FACTORIES, type HandlerPorts } from '../../../lambdas/handlers/index.ts';
import { markSkipped, missingRequirementReason, noDataReason, skipReasonOf } from '../../../lambdas/ml/models-without-data.ts';
import { CATALOG } from '../../support/catalog.ts';
import { closeDatabase, openLake, type TestLake } from '../../pipelines/support/lake.ts';
import { handlerSettings } from '../../../lambdas/handlers/index.ts';
import { environmentNamed } from '../../support/environments.ts';
import { handlerPortsOn } from '../../workloads/olist/ml/sample-lake.ts';

const workload = (name: string) => CATALOG.workloads.find((each) => each.name === name)!;

describe('a workload’s data', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await openLake();
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('is missing while no trusted table of it was ever committed, and the reason names the table', async () => {
    expect(await noDataReason(lake.store, workload('weather'))).toBe('no data yet: workload weather has no row in trusted weather_current');
  });

  it('is still missing when its tables were built from files without a row', async () => {
    lake.writeRaw('weather_current', []);
    await lake.build('weather_current');
    expect(await noDataReason(lake.store, workload('weather'))).toMatch(/^no data yet/);
    expect(await noDataReason(lake.store, workload('olist'))).toMatch(/^no data yet: workload olist has no row in any of its 10 trusted tables \(closed_deals, customers, geolocation, …\)$/);
  });

  it('is there once one table holds a row', async () => {
    lake.writeRaw('weather_current', ['3663517,Manaus,1772409600,26.00,80,1010.0,2.00,40,,Clouds'], { file: 'y.csv' });
    await lake.build('weather_current');
    expect(await noDataReason(lake.store, workload('weather'))).toBeUndefined();
  });

  it('is no question for a workload without tables loaded from files', async () => {
    expect(await noDataReason(lake.store, { name: 'derived', datasets: [] })).toBeUndefined();
  });
});

describe('the steps of a model its training-set step skipped', () => {
  let lake: TestLake;
  let ports: HandlerPorts;
  beforeAll(async () => {
    lake = await openLake();
    ports = handlerPortsOn(lake, handlerSettings(environmentNamed('dev'), '0.1.0+test'));
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('start with the training-set step: the workload has no data, so it marks the model skipped for this run', async () => {
    const result = await HANDLER_FACTORIES['build-training-set'](ports)({ model: 'rain-next-hour', runId: 'run-a' });
    expect(result).toEqual({
      model: 'rain-next-hour',
      skipped: 'no data yet: workload weather has no row in trusted weather_current',
      summary: 'rain-next-hour: not trained, no data yet: workload weather has no row in trusted weather_current',
      rowsIn: 0,
      rowsOut: 0,
    });
    expect(await skipReasonOf(lake.store, 'run-a', { name: 'rain-next-hour' })).toMatch(/^no data yet/);
  });

  it('return the skip instead of running, every one of them', async () => {
    for (const handler of ['train-model', 'export-training-data', 'evaluate-model', 'gate-model', 'register-model', 'score-model', 'collect-managed-model', 'export-scoring-data', 'load-managed-scores'] as const) {
      const result = await HANDLER_FACTORIES[handler](ports)({ model: 'rain-next-hour', runId: 'run-a' });
      expect(result, handler).toMatchObject({ model: 'rain-next-hour', skipped: expect.stringMatching(/^no data yet/) });
    }
  });

  it('run in another run, or for another model, whose training-set step did not skip (and fail here on the missing training set)', async () => {
    await markSkipped(lake.store, 'run-b', { name: 'seller-churn' }, 'no data yet: test');
    await expect(HANDLER_FACTORIES['train-model'](ports)({ model: 'rain-next-hour', runId: 'run-b' })).rejects.toThrow(/abt_rain_next_hour/);
    await expect(HANDLER_FACTORIES['train-model'](ports)({ model: 'seller-churn', runId: 'run-c' })).rejects.toThrow(/abt_churn/);
  });

  it('and the feature store of such a workload is not built, saying why, while the others are', async () => {
    const result = (await HANDLER_FACTORIES['build-features'](ports)({ runId: 'run-a' })) as { workloads: Record<string, unknown> };
    expect(result.workloads.weather).toEqual({ skipped: 'no data yet: workload weather has no row in trusted weather_current' });
    expect(result.workloads.olist).toEqual({ skipped: expect.stringMatching(/^no data yet: workload olist/) });
  });
});

describe('a model’s own required tables', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await openLake();
  });
  afterAll(async () => {
    await lake.close();
    closeDatabase();
  });

  it('skip the model while one holds no row, naming it, though its workload has data; with rows, it trains', async () => {
    const model = { name: 'seller-activation', requires: ['closed_deals'] };
    expect(await missingRequirementReason(lake.store, model)).toBe('no data yet: model seller-activation requires rows in trusted closed_deals, which has none');
    lake.writeRaw('closed_deals', ['m1,s1,sdr1,sr1,2017-09-23 10:00:00,pet,online_big,eagle,true,true,200+,manufacturer,500,120000']);
    await lake.build('closed_deals');
    expect(await missingRequirementReason(lake.store, model)).toBeUndefined();
    expect(await missingRequirementReason(lake.store, { name: 'seller-churn' })).toBeUndefined();
  });
});
