/**
 * The Olist tables as their dataset files declare them, for the workload's
 * own code (the generator, the feature store). The platform reads the same
 * files through the registry.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { readWorkloadFolder } from '../../pipelines/workloads/workload-folder.ts';
import { FIRST_ORDER_MONTH, OLIST_VALUE_SETS } from './values.ts';

export const OLIST_DIRECTORY = dirname(fileURLToPath(import.meta.url));

/** The Olist tables: the nine loaded from files, then the refined ones. */
export function olistTables(): readonly DatasetDefinition[] {
  return readWorkloadFolder(OLIST_DIRECTORY, 'olist', { values: OLIST_VALUE_SETS, firstMonth: FIRST_ORDER_MONTH }).datasets;
}

/** An Olist table by name. */
export function olistTable(name: string): DatasetDefinition {
  const datasets = olistTables();
  const dataset = datasets.find((candidate) => candidate.name === name);
  if (!dataset) throw new RangeError(`no Olist table "${name}"; tables: ${datasets.map((candidate) => candidate.name).join(', ')}`);
  return dataset;
}
