/**
 * The rules that Glue Data Quality can evaluate itself, as DQDL rulesets
 * (one per trusted table), so AWS users see them in the Glue console.
 * Reconciliation and freshness need run context Glue does not have; they
 * stay with the quality handler.
 */
import type { DatasetDefinition } from '../datasets/index.ts';
import type { Catalog } from '../workloads/registry.ts';
import { rulesFor, type QualityRule } from './rules.ts';

const name = (column: string) => `"${column}"`;

function dqdlRules(rule: QualityRule): string[] {
  switch (rule.kind) {
    case 'not_null':
      return [`IsComplete ${name(rule.column)}`];
    case 'unique_key':
      return rule.columns.length === 1 ? [`IsUnique ${name(rule.columns[0]!)}`] : [`IsPrimaryKey ${rule.columns.map(name).join(' ')}`];
    case 'accepted_values':
      return [`ColumnValues ${name(rule.column)} in [${rule.values.map(name).join(', ')}]`];
    case 'range':
      return [
        ...(rule.min !== undefined ? [`ColumnValues ${name(rule.column)} >= ${rule.min}`] : []),
        ...(rule.max !== undefined ? [`ColumnValues ${name(rule.column)} <= ${rule.max}`] : []),
      ];
    case 'referential_integrity':
      return [`ReferentialIntegrity ${name(rule.column)} "${rule.parentTable}.${rule.parentColumn}" = 1.0`];
    case 'row_count_reconciliation':
    case 'quarantine_share':
    case 'freshness':
      return [];
  }
}

/** DQDL for a trusted table: `Rules = [ ... ]`. */
export function dqdlRuleset(catalog: Pick<Catalog, 'relationships'>, dataset: DatasetDefinition): string {
  const rules = ['RowCount > 0', ...rulesFor(catalog, dataset).flatMap(dqdlRules)];
  return `Rules = [\n  ${rules.join(',\n  ')}\n]`;
}
