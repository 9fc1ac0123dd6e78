import { trustedBuildLevels } from '../quality/rules.ts';
import type { Catalog } from '../workloads/registry.ts';
import { optionInput, type FlowDefinition, type MapStep } from './flow.ts';

/**
 * One Map per level of the trusted tables' relationships, parents first, so
 * a child's build checks its rows against parents merged in the same run.
 * A table that fails does not stop the others: the quality check reports it.
 */
const trustedLevels = (catalog: Catalog): MapStep[] =>
  trustedBuildLevels(catalog).map((tables, index) => ({
  kind: 'map',
  name: `BuildTrustedTables${index + 1}`,
  items: { values: tables },
  maxConcurrency: 3,
  toleratesItemFailures: true,
  step: { kind: 'task', name: `BuildTrustedTable${index + 1}`, handler: 'build-trusted', input: { table: '$$.Map.Item.Value', runId: '$$.Execution.Name', fullRefresh: optionInput('fullRefresh') } },
  resultPath: `$.trusted${index + 1}`,
  }));

/** staged raw -> trusted (with quarantine), merged incrementally -> refined, then the quality gate: of a catalog's tables. */
export const processFlow = (catalog: Catalog): FlowDefinition => ({
  name: 'process',
  description: 'Merges what arrived in raw since each trusted table’s watermark, then into the refined tables whose inputs changed, then checks data quality; ends at once when nothing arrived.',
  schedule: 'process',
  // A full refresh rebuilds every trusted table from all of staged raw, and every refined table whole.
  options: { fullRefresh: false },
  steps: [
    // A run with nothing to merge ends here: no build, query or warehouse is woken for it.
    { kind: 'task', name: 'FindNewData', handler: 'find-new-data', input: { runId: '$$.Execution.Name', fullRefresh: optionInput('fullRefresh') }, resultPath: '$.arrivals' },
    { kind: 'continue-if', name: 'AnythingNew', path: '$.arrivals.due', reasonPath: '$.arrivals.reason' },
    ...trustedLevels(catalog),
    ...(catalog.refined.length > 0
      ? [
          {
            kind: 'map',
            name: 'BuildRefinedTables',
            items: { values: catalog.refined.map((dataset) => dataset.name) },
            maxConcurrency: 2,
            step: { kind: 'task', name: 'BuildRefinedTable', handler: 'build-refined', input: { table: '$$.Map.Item.Value', runId: '$$.Execution.Name', fullRefresh: optionInput('fullRefresh') } },
            resultPath: '$.refined',
          } satisfies MapStep,
        ]
      : []),
    { kind: 'task', name: 'CheckQuality', handler: 'check-quality', input: { runId: '$$.Execution.Name' }, resultPath: '$.quality' },
  ],
});
