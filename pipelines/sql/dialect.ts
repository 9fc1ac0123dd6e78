/**
 * Besides these, models call `source(table)`, `ref(layer, table)`,
 * `lineage()`, `param(name)` and `feature_columns(table, alias)` (render.ts):
 * relations, the raw row's provenance, the caller's values and the feature
 * lists the dataset definitions declare.
 *
 * The three SQL engines Strata runs on and the few functions that differ
 * between them. Models call these as macros (`{{ month_of(x) }}`), the way
 * dbt's cross-database macros work; everything else is portable SQL.
 */
export const DIALECTS = ['duckdb', 'trino', 'spark'] as const;
/** duckdb: local runs; trino: Athena engine v3; spark: Databricks SQL. */
export type Dialect = (typeof DIALECTS)[number];

type Macro = (dialect: Dialect, ...args: string[]) => string;

const blankToNull = (column: string) => `nullif(trim(${column}), '')`;
const tryCast = (dialect: Dialect, column: string, type: { duckdb: string; trino: string; spark: string }) =>
  `try_cast(${blankToNull(column)} as ${type[dialect]})`;

/**
 * Integer casts only of whole numbers: the engines' own casts disagree on `17.5` (DuckDB rounds it
 * to 18, Spark without ANSI mode cuts it to 17, Trino refuses it), so the rule is decided here.
 */
const wholeNumberCast = (dialect: Dialect, column: string, type: { duckdb: string; trino: string; spark: string }) => {
  const pattern = `'^[+-]?[0-9]+$'`;
  const isWhole = { duckdb: `regexp_matches(trim(${column}), ${pattern})`, trino: `regexp_like(trim(${column}), ${pattern})`, spark: `trim(${column}) rlike ${pattern}` }[dialect];
  return `case when ${isWhole} then ${tryCast(dialect, column, type)} end`;
};

const md5_hex: Macro = (dialect, expression) => ({ duckdb: `md5(${expression})`, trino: `lower(to_hex(md5(to_utf8(${expression}))))`, spark: `md5(${expression})` })[dialect];

/** Text columns: trimmed; blank is missing. */
const text: Macro = (_dialect, column) => blankToNull(column);

export const MACROS: Record<string, Macro> = {
  text,
  int: (dialect, column) => wholeNumberCast(dialect, column, { duckdb: 'integer', trino: 'integer', spark: 'int' }),
  bigint: (dialect, column) => wholeNumberCast(dialect, column, { duckdb: 'bigint', trino: 'bigint', spark: 'bigint' }),
  double: (dialect, column) => tryCast(dialect, column, { duckdb: 'double', trino: 'double', spark: 'double' }),
  decimal: (dialect, column) => tryCast(dialect, column, { duckdb: 'decimal(12,2)', trino: 'decimal(12,2)', spark: 'decimal(12,2)' }),
  timestamp: (dialect, column) => tryCast(dialect, column, { duckdb: 'timestamp', trino: 'timestamp', spark: 'timestamp' }),
  date: (dialect, column) => tryCast(dialect, column, { duckdb: 'date', trino: 'date', spark: 'date' }),
  /**
   * Seconds since 1970-01-01 UTC (APIs' `dt`) as a UTC timestamp without zone; anything that is not a
   * whole number is NULL, so the type check quarantines it like any bad timestamp.
   */
  epoch_seconds: (dialect, column) => {
    const seconds = wholeNumberCast(dialect, column, { duckdb: 'bigint', trino: 'bigint', spark: 'bigint' });
    return {
      duckdb: `make_timestamp(${seconds} * 1000000)`,
      // from_unixtime gives a timestamp with time zone UTC; the cast keeps its UTC wall time (Athena's session zone is UTC).
      trino: `cast(from_unixtime(${seconds}) as timestamp)`,
      spark: `timestamp_seconds(${seconds})`,
    }[dialect];
  },
  /**
   * `true`/`false` (any case, trimmed); anything else is not a boolean. Spelled out because the
   * engines' casts accept different spellings (DuckDB's reads `yes` as true): one rule everywhere.
   */
  boolean: (_dialect, column) => `case lower(trim(${column})) when 'true' then true when 'false' then false end`,
  /** `yyyy-MM` of a timestamp or date: month partitions. */
  month_of: (dialect, expression) =>
    ({ duckdb: `strftime(${expression}, '%Y-%m')`, trino: `date_format(${expression}, '%Y-%m')`, spark: `date_format(${expression}, 'yyyy-MM')` })[dialect],
  /** Distinct values of a group, sorted, comma-separated. */
  sorted_distinct_list: (dialect, expression) =>
    ({
      duckdb: `string_agg(distinct ${expression}, ',' order by ${expression})`,
      trino: `array_join(array_sort(array_distinct(array_agg(${expression}))), ',')`,
      spark: `array_join(array_sort(collect_set(${expression})), ',')`,
    })[dialect],
  /** Whole days from `start` to `end`. Pass dates: on timestamps the engines count differently (boundaries vs full days). */
  days_between: (dialect, start, end) =>
    ({ duckdb: `date_diff('day', ${start}, ${end})`, trino: `date_diff('day', ${start}, ${end})`, spark: `datediff(${end}, ${start})` })[dialect],
  /** A date `days` days later (negative: earlier), still a date. */
  add_days: (dialect, date, days) =>
    ({ duckdb: `cast(${date} + to_days(cast(${days} as integer)) as date)`, trino: `date_add('day', ${days}, ${date})`, spark: `date_add(${date}, ${days})` })[dialect],
  /** A date `months` months later (negative: earlier), still a date; the 1st stays the 1st. */
  add_months: (dialect, date, months) =>
    ({ duckdb: `cast(${date} + to_months(cast(${months} as integer)) as date)`, trino: `date_add('month', ${months}, ${date})`, spark: `add_months(${date}, ${months})` })[dialect],
  /** Median of a group. Athena has no exact percentile: there it is approx_percentile (exact on small groups, a t-digest on large ones). */
  median: (dialect, expression) =>
    ({ duckdb: `quantile_cont(${expression}, 0.5)`, trino: `approx_percentile(${expression}, 0.5)`, spark: `percentile(${expression}, 0.5)` })[dialect],
  /** A value as text; dates as yyyy-MM-dd on every engine. */
  to_text: (dialect, expression) => ({ duckdb: `cast(${expression} as varchar)`, trino: `cast(${expression} as varchar)`, spark: `cast(${expression} as string)` })[dialect],
  /** MD5 of a text as 32 lowercase hex digits, the same on every engine: a seeded, portable pseudo-random order. */
  md5_hex,
  /**
   * A classifier's split, written once for every ABT: 'oot' where `is_oot` is 1; of the other rows, per
   * label class (so both splits keep the class rates), ordered by the MD5 of `split_key` (the seed and
   * the row's key) and then `tiebreak`, the first round(n x `test_fraction`) 'test', the rest 'train'.
   * Same seed, same data: same split, on every engine.
   */
  stratified_split: (dialect, isOot, label, splitKey, testFraction, ...tiebreak) => {
    const byClass = `partition by ${isOot}, ${label}`;
    const order = [md5_hex(dialect, splitKey), ...tiebreak].join(', ');
    return `case when ${isOot} = 1 then 'oot' when row_number() over (${byClass} order by ${order}) <= round(count(*) over (${byClass}) * ${testFraction}) then 'test' else 'train' end`;
  },
};
