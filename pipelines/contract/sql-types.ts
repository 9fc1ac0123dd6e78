/**
 * Type names per dialect, written once: compiled SQL, engines and stacks
 * import these (Spark SQL rejects `varchar` without a length, so text is
 * `string` there).
 */
import type { Dialect } from '../sql/dialect.ts';

export const SQL_TYPES: Record<Dialect, Readonly<Record<string, string>>> = {
  duckdb: { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', 'decimal(12,2)': 'decimal(12,2)', timestamp: 'timestamp', date: 'date', boolean: 'boolean' },
  trino: { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', 'decimal(12,2)': 'decimal(12,2)', timestamp: 'timestamp', date: 'date', boolean: 'boolean' },
  spark: { string: 'string', int: 'int', bigint: 'bigint', double: 'double', 'decimal(12,2)': 'decimal(12,2)', timestamp: 'timestamp', date: 'date', boolean: 'boolean' },
};

/** `cast(<expression> as <type>)` in a dialect, for an engine-neutral type name. */
export const castAs = (dialect: Dialect, expression: string, type: string) => `cast(${expression} as ${SQL_TYPES[dialect][type] ?? type})`;
