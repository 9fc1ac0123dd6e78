import { describe, expect, it } from 'vitest';
import { CATALOG, DATASETS, TRUSTED_DATASETS, datasetNamed } from '../../support/catalog.ts';
import { dqdlRuleset } from '../../../pipelines/quality/dqdl.ts';
import { cascadeParentsOf, FRESHNESS_MAX_AGE_HOURS, ruleName, rulesFor, trustedBuildLevels } from '../../../pipelines/quality/rules.ts';

describe('quality rules, derived from the dataset definitions', () => {
  it('gives orders not-null for its required columns, accepted statuses, a unique key, its customer relationship, reconciliation, the quarantined share and freshness', () => {
    expect(rulesFor(CATALOG, datasetNamed('orders', 'trusted'))).toEqual([
      { kind: 'not_null', table: 'orders', column: 'order_id', severity: 'error' },
      { kind: 'not_null', table: 'orders', column: 'customer_id', severity: 'error' },
      { kind: 'not_null', table: 'orders', column: 'order_status', severity: 'error' },
      {
        kind: 'accepted_values',
        table: 'orders',
        column: 'order_status',
        values: ['created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered', 'unavailable', 'canceled'],
        severity: 'error',
      },
      { kind: 'not_null', table: 'orders', column: 'order_purchase_timestamp', severity: 'error' },
      { kind: 'unique_key', table: 'orders', columns: ['order_id'], severity: 'error' },
      { kind: 'referential_integrity', table: 'orders', column: 'customer_id', parentTable: 'customers', parentColumn: 'customer_id', severity: 'error' },
      { kind: 'row_count_reconciliation', table: 'orders', severity: 'error' },
      { kind: 'quarantine_share', table: 'orders', severity: 'error' },
      { kind: 'freshness', table: 'orders', maxAgeHours: FRESHNESS_MAX_AGE_HOURS, severity: 'warn' },
    ]);
  });

  it('orders the trusted builds parents first: a child is built after every table it cascades from', () => {
    const levels = trustedBuildLevels(CATALOG);
    expect(levels).toEqual([['closed_deals', 'customers', 'geolocation', 'product_category_name_translation', 'products', 'sellers', 'weather_current'], ['orders'], ['order_items', 'order_payments', 'order_reviews']]);
    const levelOf = (table: string) => levels.findIndex((level) => level.includes(table));
    for (const relationship of CATALOG.relationships.filter((candidate) => candidate.severity === 'error')) {
      expect(levelOf(relationship.parentTable), `${relationship.table} -> ${relationship.parentTable}`).toBeLessThan(levelOf(relationship.table));
    }
    // A warn relationship does not cascade: products do not wait for their category's translation.
    expect(cascadeParentsOf(CATALOG, 'products')).toEqual([]);
    expect(cascadeParentsOf(CATALOG, 'order_items').map((parent) => parent.parentTable)).toEqual(['orders', 'products', 'sellers']);
  });

  it('makes every required column not-null and every other column nullable, for every dataset', () => {
    for (const dataset of DATASETS) {
      const notNull = rulesFor(CATALOG, dataset).flatMap((rule) => (rule.kind === 'not_null' ? [rule.column] : []));
      expect(notNull, dataset.name).toEqual(dataset.columns.filter((column) => column.required).map((column) => column.name));
    }
  });

  it('makes the primary key unique, compound keys included', () => {
    for (const dataset of DATASETS) {
      expect(rulesFor(CATALOG, dataset).filter((rule) => rule.kind === 'unique_key'), dataset.name).toEqual([
        { kind: 'unique_key', table: dataset.name, columns: dataset.primaryKey, severity: 'error' },
      ]);
    }
  });

  it('turns declared ranges into range rules with the same bounds', () => {
    expect(rulesFor(CATALOG, datasetNamed('order_reviews', 'trusted')).filter((rule) => rule.kind === 'range')).toEqual([
      { kind: 'range', table: 'order_reviews', column: 'review_score', min: 1, max: 5, severity: 'error' },
    ]);
    expect(rulesFor(CATALOG, datasetNamed('geolocation', 'trusted')).filter((rule) => rule.kind === 'range').map(ruleName)).toEqual([
      'range(geolocation_lat >= -90 <= 90)',
      'range(geolocation_lng >= -180 <= 180)',
    ]);
  });

  it('checks order_items against orders, sellers and products', () => {
    expect(rulesFor(CATALOG, datasetNamed('order_items', 'trusted')).filter((rule) => rule.kind === 'referential_integrity').map(ruleName)).toEqual([
      'referential_integrity(order_id -> orders.order_id)',
      'referential_integrity(product_id -> products.product_id)',
      'referential_integrity(seller_id -> sellers.seller_id)',
    ]);
  });

  it('warns, not errors, on products whose category has no translation (Olist itself has some)', () => {
    const [relationship] = rulesFor(CATALOG, datasetNamed('products', 'trusted')).filter((rule) => rule.kind === 'referential_integrity');
    expect(relationship).toMatchObject({ parentTable: 'product_category_name_translation', severity: 'warn' });
  });

  it('declares relationships only between columns that exist', () => {
    for (const relationship of CATALOG.relationships) {
      expect(datasetNamed(relationship.table).columns.map((column) => column.name)).toContain(relationship.column);
      expect(datasetNamed(relationship.parentTable).columns.map((column) => column.name)).toContain(relationship.parentColumn);
    }
  });

  it('reconciles and checks freshness for source tables only, never for refined tables', () => {
    for (const dataset of TRUSTED_DATASETS) {
      const kinds = rulesFor(CATALOG, dataset).map((rule) => rule.kind);
      expect(kinds, dataset.name).toContain('row_count_reconciliation');
      expect(kinds, dataset.name).toContain('freshness');
    }
    for (const name of ['orders_enriched', 'seller_daily_sales']) {
      const kinds = rulesFor(CATALOG, datasetNamed(name, 'refined')).map((rule) => rule.kind);
      expect(kinds, name).not.toContain('row_count_reconciliation');
      expect(kinds, name).not.toContain('freshness');
      expect(kinds, name).toContain('unique_key');
    }
  });

  it('names rules shortly and stably, and no two rules of a table share a name', () => {
    const orders = rulesFor(CATALOG, datasetNamed('orders', 'trusted')).map(ruleName);
    expect(orders).toContain('unique_key(order_id)');
    expect(orders).toContain('row_count_reconciliation(raw = trusted + quarantined)');
    expect(orders).toContain(`freshness(raw within ${FRESHNESS_MAX_AGE_HOURS} h)`);
    expect(rulesFor(CATALOG, datasetNamed('order_items', 'trusted')).map(ruleName)).toContain('unique_key(order_id, order_item_id)');
    for (const dataset of DATASETS) {
      const names = rulesFor(CATALOG, dataset).map(ruleName);
      expect(new Set(names).size, dataset.name).toBe(names.length);
    }
    expect(TRUSTED_DATASETS.flatMap((dataset) => rulesFor(CATALOG, dataset)).every((rule) => TRUSTED_DATASETS.some((dataset) => dataset.name === rule.table))).toBe(true);
  });
});

describe('DQDL rulesets for Glue Data Quality', () => {
  it('writes orders as completeness, accepted values, a unique key and referential integrity', () => {
    expect(dqdlRuleset(CATALOG, datasetNamed('orders', 'trusted'))).toBe(
      [
        'Rules = [',
        '  RowCount > 0,',
        '  IsComplete "order_id",',
        '  IsComplete "customer_id",',
        '  IsComplete "order_status",',
        '  ColumnValues "order_status" in ["created", "approved", "invoiced", "processing", "shipped", "delivered", "unavailable", "canceled"],',
        '  IsComplete "order_purchase_timestamp",',
        '  IsUnique "order_id",',
        '  ReferentialIntegrity "customer_id" "customers.customer_id" = 1.0',
        ']',
      ].join('\n'),
    );
  });

  it('writes order_items with a compound primary key, minimums and three relationships', () => {
    const dqdl = dqdlRuleset(CATALOG, datasetNamed('order_items', 'trusted'));
    expect(dqdl).toContain('  IsPrimaryKey "order_id" "order_item_id",');
    expect(dqdl).not.toContain('IsUnique');
    expect(dqdl).toContain('  ColumnValues "order_item_id" >= 1,');
    expect(dqdl).toContain('  ColumnValues "price" >= 0,');
    expect(dqdl).toContain('  ColumnValues "freight_value" >= 0,');
    expect(dqdl).toContain('  ReferentialIntegrity "order_id" "orders.order_id" = 1.0,');
    expect(dqdl).toContain('  ReferentialIntegrity "product_id" "products.product_id" = 1.0,');
    expect(dqdl).toContain('  ReferentialIntegrity "seller_id" "sellers.seller_id" = 1.0\n]');
  });

  it('writes both bounds of a range as >= and <=', () => {
    const dqdl = dqdlRuleset(CATALOG, datasetNamed('order_reviews', 'trusted'));
    expect(dqdl).toContain('ColumnValues "review_score" >= 1,');
    expect(dqdl).toContain('ColumnValues "review_score" <= 5,');
  });

  it('leaves reconciliation and freshness to the quality handler, and every ruleset is well formed', () => {
    for (const dataset of TRUSTED_DATASETS) {
      const dqdl = dqdlRuleset(CATALOG, dataset);
      expect(dqdl).toMatch(/^Rules = \[\n {2}RowCount > 0(,\n {2}[A-Za-z]+ [^\n]+)*\n\]$/);
      expect(dqdl).not.toMatch(/reconciliation|freshness|undefined/i);
    }
  });
});
