/**
 * SQL checks for what the engines are sent: a real grammar per dialect
 * (dt-sql-parser's ANTLR grammars of Trino, Hive and Spark SQL), then a list
 * per dialect of constructs each engine is documented to reject although the
 * grammar accepts them.
 *
 * Grammar gaps, handled and documented here:
 * - Athena's UNLOAD is not Trino syntax: its inner query is parsed instead.
 * - Athena DDL (CREATE EXTERNAL TABLE, DROP TABLE, ALTER TABLE) is Hive DDL:
 *   parsed with the Hive grammar; everything else Athena runs is Trino.
 * - Databricks' star clause `* except (...)` is not in open-source Spark's
 *   grammar: removed before parsing (Databricks SQL documents it).
 */
import { HiveSQL, SparkSQL, TrinoSQL } from 'dt-sql-parser';

const trino = new TrinoSQL();
const hive = new HiveSQL();
const spark = new SparkSQL();

const ATHENA_DDL = /^\s*(create\s+external\s+table|drop\s+table|alter\s+table|msck\s+repair)\b/i;
const UNLOAD = /^\s*unload\s*\(([\s\S]*)\)\s*to\s*'[^']*'\s*with\s*\([\s\S]*\)\s*$/i;

/** Constructs an engine rejects although its grammar parses them: [what, pattern, why]. */
export const REJECTED_CONSTRUCTS = {
  athenaDdl: [['a double-quoted identifier', /"[^"]*"/, 'Athena DDL is Hive DDL: identifiers are quoted with backticks']],
  athenaQuery: [['a backtick-quoted identifier', /`[^`]*`/, 'Trino quotes identifiers with double quotes; backticks are a syntax error']],
  databricks: [
    ['varchar without a length', /\bvarchar\b(?!\s*\(\s*\d)/i, 'Spark SQL rejects VARCHAR without a length; the platform casts to string'],
    ['a double-quoted identifier', /"[^"]*"/, 'Spark reads "x" as a string literal, not a column'],
  ],
} as const satisfies Record<string, readonly (readonly [string, RegExp, string])[]>;

const firstError = (errors: readonly { message: string }[]): string[] => (errors.length === 0 ? [] : [`grammar: ${errors[0]!.message}`]);
const rejected = (list: readonly (readonly [string, RegExp, string])[], text: string): string[] =>
  list.filter(([, pattern]) => pattern.test(text)).map(([what, , why]) => `${what}: ${why}`);
// Literals cannot hold constructs: 'a "b"' is a string, not an identifier. Trino escapes a quote only by doubling it;
// Hive and Spark also take a backslash escape.
const withoutLiterals = (sql: string, backslashEscapes: boolean) => sql.replace(backslashEscapes ? /'(?:[^'\\]|\\.|'')*'/g : /'(?:[^']|'')*'/g, "''");

/** What is wrong with a statement sent to Athena; empty when nothing is. */
export function athenaFindings(statement: string): string[] {
  if (ATHENA_DDL.test(statement)) return [...firstError(hive.validate(statement)), ...rejected(REJECTED_CONSTRUCTS.athenaDdl, withoutLiterals(statement, true))];
  const query = UNLOAD.exec(statement)?.[1] ?? statement;
  return [...firstError(trino.validate(query)), ...rejected(REJECTED_CONSTRUCTS.athenaQuery, withoutLiterals(query, false))];
}

/** What is wrong with a statement sent to Databricks SQL; empty when nothing is. */
export function databricksFindings(statement: string): string[] {
  const parsed = statement.replace(/\*\s+except\s*\([^)]*\)/gi, '*');
  return [...firstError(spark.validate(parsed)), ...rejected(REJECTED_CONSTRUCTS.databricks, withoutLiterals(statement, true))];
}
