/**
 * The workload the benchmarks measure: the dev environment's, through the
 * registry (the benchmarks name no workload). Its first generator writes
 * their data.
 */
import { generatorsOf } from '../pipelines/workloads/generators.ts';
import { loadEnvironment } from '../config/load-environment.ts';
import { catalogFor } from '../pipelines/workloads/registry.ts';
import type { BatchSplitter, WorkloadGenerator } from '../pipelines/workloads/workload-generator.ts';

export const REFERENCE_ENVIRONMENT = loadEnvironment({ env: 'dev' }).environment;
export const REFERENCE_CATALOG = catalogFor(REFERENCE_ENVIRONMENT.workloads);

const [first] = [...generatorsOf(REFERENCE_CATALOG)];
if (!first) throw new Error(`the dev environment's workloads (${REFERENCE_ENVIRONMENT.workloads.join(', ')}) have no data generator to benchmark with`);
export const [REFERENCE_WORKLOAD, REFERENCE_GENERATOR]: [string, WorkloadGenerator] = first;

/** Writes the reference data: seed 42, no malformed rows. */
export const generateReference = (scale: number, outDir: string) => REFERENCE_GENERATOR.generate({ scale, seed: 42, badRows: 0, outDir });

export function referenceSplitter(): BatchSplitter {
  if (!REFERENCE_GENERATOR.batches) throw new Error(`the ${REFERENCE_WORKLOAD} generator does not split into batches`);
  return REFERENCE_GENERATOR.batches;
}
