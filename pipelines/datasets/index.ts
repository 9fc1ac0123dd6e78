import { OLIST_DATASETS } from './olist.ts';
import { REFINED_DATASETS } from './refined.ts';
import type { DatasetDefinition } from './dataset.ts';

export type { ColumnDefinition, ColumnType, DatasetDefinition, IncrementalDefinition, PartitionDefinition } from './dataset.ts';
export { OLIST_DATASETS } from './olist.ts';
export { REFINED_DATASETS } from './refined.ts';
export { FEATURE_DATASETS, ML_DATASETS, TOP_CATEGORIES } from './features.ts';

/** Every table the catalog declares, trusted first. */
export const DATASETS: readonly DatasetDefinition[] = [...OLIST_DATASETS, ...REFINED_DATASETS];

/** The dataset of a layer with this name; fails listing the names that exist. */
export function datasetNamed(name: string, layer?: 'trusted' | 'refined'): DatasetDefinition {
  const candidates = DATASETS.filter((dataset) => layer === undefined || dataset.layer === layer);
  const dataset = candidates.find((candidate) => candidate.name === name);
  if (!dataset) throw new RangeError(`no ${layer ?? ''} dataset "${name}"; known: ${candidates.map((candidate) => candidate.name).join(', ')}`);
  return dataset;
}
export { httpSources, STATE_CAPITAL_CITY_IDS, weatherSource, type ApiKeyPlacement, type HttpJsonSource } from './sources.ts';
