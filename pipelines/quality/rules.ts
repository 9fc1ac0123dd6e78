/**
 * Data-quality rules, cloud-neutral. Column rules and relationships come
 * from the dataset definitions (the same ones that quarantine bad raw rows),
 * so trusted is checked against exactly what ingestion promised; row-count
 * reconciliation and freshness are declared here, for every loaded table.
 */
import type { DatasetDefinition } from '../datasets/index.ts';
import type { Catalog } from '../workloads/registry.ts';

/** What the rules read of a catalog: the tables and their relationships. */
type Relationships = Pick<Catalog, 'relationships'>;

/** error: stops the flow and alarms; warn: recorded, the flow goes on. */
export type Severity = 'error' | 'warn';

export type QualityRule =
  | { readonly kind: 'not_null'; readonly table: string; readonly column: string; readonly severity: Severity }
  | { readonly kind: 'unique_key'; readonly table: string; readonly columns: readonly string[]; readonly severity: Severity }
  | { readonly kind: 'accepted_values'; readonly table: string; readonly column: string; readonly values: readonly string[]; readonly severity: Severity }
  | { readonly kind: 'range'; readonly table: string; readonly column: string; readonly min?: number; readonly max?: number; readonly severity: Severity }
  | {
      readonly kind: 'referential_integrity';
      readonly table: string;
      readonly column: string;
      readonly parentTable: string;
      readonly parentColumn: string;
      readonly severity: Severity;
    }
  /** Rows read from raw = rows in trusted + rows quarantined. */
  | { readonly kind: 'row_count_reconciliation'; readonly table: string; readonly severity: Severity }
  /** A trusted build rejected (rules, parsing, missing parents; not superseded versions) at most this share of the records it read (quality.maxQuarantinedShare). */
  | { readonly kind: 'quarantine_share'; readonly table: string; readonly severity: Severity }
  /** The newest raw file of the table arrived within maxAgeHours. */
  | { readonly kind: 'freshness'; readonly table: string; readonly maxAgeHours: number; readonly severity: Severity };

/**
 * The parents whose missing key quarantines a child row (relationships of
 * severity error): the row waits, parked, until the parent arrives.
 */
export function cascadeParentsOf(catalog: Relationships, table: string): { column: string; parentTable: string; parentColumn: string }[] {
  return catalog.relationships.filter((relationship) => relationship.table === table && relationship.severity === 'error').map(({ column, parentTable, parentColumn }) => ({
    column,
    parentTable,
    parentColumn,
  }));
}

/**
 * Trusted tables in build order: every table after the parents it cascades
 * from, so a child's build sees its parents' rows of the same run. Tables of
 * one level do not depend on each other.
 */
export function trustedBuildLevels(catalog: Relationships & Pick<Catalog, 'trusted'>): string[][] {
  const tables = catalog.trusted.map((dataset) => dataset.name);
  const levels: string[][] = [];
  const placed = new Set<string>();
  let remaining = [...tables];
  while (remaining.length > 0) {
    const level = remaining.filter((table) => cascadeParentsOf(catalog, table).every((parent) => placed.has(parent.parentTable) || !tables.includes(parent.parentTable)));
    if (level.length === 0) throw new Error(`relationships form a cycle among ${remaining.join(', ')}`);
    levels.push(level);
    for (const table of level) placed.add(table);
    remaining = remaining.filter((table) => !placed.has(table));
  }
  return levels;
}

/** Hours after which a table whose raw input stopped arriving is flagged. */
export const FRESHNESS_MAX_AGE_HOURS = 26;

export function rulesFor(catalog: Relationships, dataset: DatasetDefinition): QualityRule[] {
  const table = dataset.name;
  const rules: QualityRule[] = [];
  for (const column of dataset.columns) {
    if (column.required ?? false) rules.push({ kind: 'not_null', table, column: column.name, severity: 'error' });
    if (column.acceptedValues) rules.push({ kind: 'accepted_values', table, column: column.name, values: column.acceptedValues, severity: 'error' });
    if (column.range) rules.push({ kind: 'range', table, column: column.name, ...column.range, severity: 'error' });
  }
  rules.push({ kind: 'unique_key', table, columns: dataset.primaryKey, severity: 'error' });
  for (const relationship of catalog.relationships.filter((candidate) => candidate.table === table)) {
    rules.push({ kind: 'referential_integrity', ...relationship });
  }
  if (dataset.sourceFile) {
    rules.push({ kind: 'row_count_reconciliation', table, severity: 'error' });
    rules.push({ kind: 'quarantine_share', table, severity: 'error' });
    rules.push({ kind: 'freshness', table, maxAgeHours: FRESHNESS_MAX_AGE_HOURS, severity: 'warn' });
  }
  return rules;
}

/** A short stable name for reports: `unique_key(order_id)`. */
export function ruleName(rule: QualityRule): string {
  switch (rule.kind) {
    case 'not_null':
    case 'accepted_values':
      return `${rule.kind}(${rule.column})`;
    case 'range':
      return `range(${rule.column}${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` <= ${rule.max}` : ''})`;
    case 'unique_key':
      return `unique_key(${rule.columns.join(', ')})`;
    case 'referential_integrity':
      return `referential_integrity(${rule.column} -> ${rule.parentTable}.${rule.parentColumn})`;
    case 'row_count_reconciliation':
      return 'row_count_reconciliation(raw = trusted + quarantined)';
    case 'quarantine_share':
      return 'quarantine_share(rejected / read <= quality.maxQuarantinedShare)';
    case 'freshness':
      return `freshness(raw within ${rule.maxAgeHours} h)`;
  }
}
