import { OLIST_DATASETS, REFINED_DATASETS } from '../datasets/index.ts';
import type { FlowDefinition } from './flow.ts';

/** raw -> trusted (with quarantine) -> refined, then the quality gate. */
export const processFlow: FlowDefinition = {
  name: 'process',
  description: 'Rebuilds trusted from raw and refined from trusted, then checks data quality.',
  schedule: 'process',
  steps: [
    {
      kind: 'map',
      name: 'BuildTrustedTables',
      items: { values: OLIST_DATASETS.map((dataset) => dataset.name) },
      maxConcurrency: 3,
      step: { kind: 'task', name: 'BuildTrustedTable', handler: 'build-trusted', input: { table: '$$.Map.Item.Value', runId: '$$.Execution.Name' } },
      resultPath: '$.trusted',
    },
    {
      kind: 'map',
      name: 'BuildRefinedTables',
      items: { values: REFINED_DATASETS.map((dataset) => dataset.name) },
      maxConcurrency: 2,
      step: { kind: 'task', name: 'BuildRefinedTable', handler: 'build-refined', input: { table: '$$.Map.Item.Value', runId: '$$.Execution.Name' } },
      resultPath: '$.refined',
    },
    { kind: 'task', name: 'CheckQuality', handler: 'check-quality', input: { runId: '$$.Execution.Name' }, resultPath: '$.quality' },
  ],
};
