export type { ColumnDefinition, ColumnType, DatasetDefinition, IncrementalDefinition, PartitionDefinition } from './dataset.ts';
export { COLUMN_TYPES } from './dataset.ts';
