/**
 * The default environment's workloads as the platform's tests see them:
 * through the registry, like the stacks and handlers. Their tables are the
 * fixtures of tests whose subject is the platform, not a workload.
 */
import { generatorsOf } from '../../pipelines/workloads/generators.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { environmentSchema } from '../../config/schema.ts';
import type { DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { flowsFor, processFlow, retrainFlow } from '../../pipelines/flows/index.ts';
import { catalogFor } from '../../pipelines/workloads/registry.ts';

export const DEFAULT_WORKLOADS = environmentSchema.parse({ name: 'test' }).workloads;
export const CATALOG = catalogFor(DEFAULT_WORKLOADS);
/** Tables loaded from files. */
export const TRUSTED_DATASETS = CATALOG.trusted;
/** The Olist workload's tables loaded from files: what its generator writes. */
export const OLIST_TRUSTED_DATASETS = CATALOG.trusted.filter((dataset) => CATALOG.workloadOf(dataset.name).name === 'olist');
/** The real Olist sample, vendored gzipped: the nine e-commerce CSVs (the marketing funnel's closed deals are not in it). */
export const SAMPLE_FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'olist-sample');
/** The Olist tables whose file the sample holds. */
export const SAMPLE_TRUSTED_DATASETS = OLIST_TRUSTED_DATASETS.filter((dataset) => existsSync(join(SAMPLE_FIXTURES, `${dataset.sourceFile!}.gz`)));
export const REFINED_DATASETS = CATALOG.refined;
/** Trusted, then refined. */
export const DATASETS = CATALOG.datasets;
export const datasetNamed = (name: string, layer?: 'trusted' | 'refined'): DatasetDefinition => CATALOG.datasetNamed(name, layer);
export const FLOWS = flowsFor(CATALOG);
export const PROCESS_FLOW = processFlow(CATALOG);
export const RETRAIN_FLOW = retrainFlow(CATALOG.models);
export const modelNamed = (name: string) => CATALOG.modelNamed(name);

/** `<workload>/datasets/...` and `<workload>/sql/...` of the source tree's workloads. */
export function workloadFilesInSourceTree(): string[] {
  const root = join(REPO_ROOT, 'workloads');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => /^[^/]+\/(datasets|sql)\//.test(path));
}

/** The first generator of the default workloads (Olist's), and its batch splitter. */
const [firstGenerator] = [...generatorsOf(CATALOG)];
if (!firstGenerator?.[1].batches) throw new Error('the default workloads have no generator that splits into batches');
export const GENERATOR = firstGenerator[1];
export const SPLITTER = firstGenerator[1].batches;
/** The tables loaded from files of that generator's workload: the files it writes. */
export const GENERATED_TRUSTED_DATASETS = CATALOG.trusted.filter((dataset) => CATALOG.workloadOf(dataset.name).name === firstGenerator[0]);
/** The refined tables of that workload: what its files build. */
export const GENERATED_REFINED_DATASETS = CATALOG.refined.filter((dataset) => CATALOG.workloadOf(dataset.name).name === firstGenerator[0]);
