import { OLIST_DATASETS } from './olist.ts';
import { REFINED_DATASETS } from './refined.ts';
import type { DatasetDefinition } from './dataset.ts';

export type { ColumnDefinition, ColumnType, DatasetDefinition, PartitionDefinition } from './dataset.ts';
export { OLIST_DATASETS } from './olist.ts';
export { REFINED_DATASETS } from './refined.ts';

/** Every table the catalog declares, trusted first. */
export const DATASETS: readonly DatasetDefinition[] = [...OLIST_DATASETS, ...REFINED_DATASETS];
export { httpSources, STATE_CAPITAL_CITY_IDS, weatherSource, type ApiKeyPlacement, type HttpJsonSource } from './sources.ts';
