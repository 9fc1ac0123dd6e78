/**
 * One embedded training pass over a lake whose trusted layer is built:
 * feature store -> churn ABT -> gradient boosting + logistic regression,
 * timing each part. Run in its own process by bench/ml.ts, which measures
 * its peak memory; writes its figures as JSON to the file named last.
 *
 *   node --import tsx bench/train-pass.ts <lake> <figures.json>
 */
import { writeFileSync } from 'node:fs';
import { loadEnvironment } from '../config/load-environment.ts';
import { DuckDbDatabase } from '../lambdas/adapters/local/duckdb-query-engine.ts';
import { FolderObjectStore } from '../lambdas/adapters/local/folder-object-store.ts';
import { trainModel } from '../lambdas/ml/train-model.ts';
import { workloadMlOf } from '../lambdas/ml/workload-ml.ts';
import { catalogFor } from '../pipelines/workloads/registry.ts';

const [lake, out] = process.argv.slice(2);
if (!lake || !out) throw new Error('usage: train-pass.ts <lake> <figures.json>');
const { environment } = loadEnvironment({ env: 'dev' });
// The benchmark trains the reference workload's classifier (the ABT step builds its training set).
const catalog = catalogFor(environment.workloads);
const model = catalog.modelNamed('seller-churn');
const ml = workloadMlOf(catalog, model);
const database = await DuckDbDatabase.open();
const engine = await database.session(lake);
const store = new FolderObjectStore(lake);
const seconds = (since: number) => (performance.now() - since) / 1000;
try {
  let started = performance.now();
  await ml.buildFeatures(engine, store, { runId: 'bench' });
  const featureSeconds = seconds(started);
  started = performance.now();
  const abt = await ml.buildTrainingSet(engine, model, environment.models);
  const abtSeconds = seconds(started);
  started = performance.now();
  const training = await trainModel({ engine, store }, { model, runId: 'bench', settings: environment.models });
  const trainingSeconds = seconds(started);
  writeFileSync(
    out,
    JSON.stringify({ abtRows: abt.rowsOut, features: training.features, trainRows: training.candidates[0]?.rows, featureSeconds, abtSeconds, trainingSeconds, timings: training.timings }),
  );
} finally {
  await engine.close();
  database.close();
}
