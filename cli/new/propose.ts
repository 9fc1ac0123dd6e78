/**
 * What `strata new dataset` proposes from a CSV sample: column names, types,
 * the primary key, which columns are required, a partition, and for each
 * how sure it is. Nothing here knows a particular file: every decision
 * comes from the sample's values and, as a tie-break, from column names
 * that say "identifier" (`*_id`, `*_key`, `*_code`, `*_seq`...).
 *
 * Types (the first that every non-empty value fits; values are trimmed, as
 * the trusted SQL's `{{ text() }}` does, and empty is missing):
 * - boolean: true/false, any case;
 * - int / bigint: whole numbers within 32 / 64 bits. Whole numbers with a
 *   leading zero (`01037`), beyond 64 bits, or in a column whose name says
 *   zip, postal, postcode or phone are codes, not quantities: string;
 * - decimal(12,2): numbers with at most two decimals (`99.9`, `27.65`) and
 *   at most ten integer digits, some with decimals: money-like amounts;
 * - double: other numbers (more decimals, exponents), such as coordinates;
 * - date: `yyyy-MM-dd`; timestamp: `yyyy-MM-dd HH:mm:ss[.ffffff]`, dates
 *   among them allowed. Other spellings (`T`, a zone, `dd/MM/yyyy`) stay
 *   string: not every engine's cast reads them;
 * - string otherwise, saying when most (90% or more) values fit a type.
 *
 * The key: the fewest columns (one, then two, then three) that are non-empty
 * and together unique in every sampled row. Among sets of that size, the one
 * with more identifier-like names, then more key-like types (string, int,
 * bigint, date), then holding the first column, then further left. "unsure"
 * when the sample is not the whole file, has fewer than 20 rows, when no
 * set is unique (exact duplicate rows: then the smallest set as distinct as
 * whole rows is proposed), or when another set ranks the same but for
 * position.
 */
import type { ColumnType } from '../../pipelines/datasets/dataset.ts';
import { count, counted, type CsvSample } from './sniff-csv.ts';

export interface ProposedColumn {
  /** The name in the file's header. */
  readonly header: string;
  /** The column's name: the header's in snake_case. */
  readonly name: string;
  readonly type: ColumnType;
  /** Why that type, in words. */
  readonly why: string;
  readonly filled: number;
  readonly empty: number;
  readonly distinct: number;
  /** Primary key columns. */
  readonly required: boolean;
  /** What a person may add, for the YAML's comment (acceptedValues?, range?). */
  readonly hint: string | undefined;
}

export interface KeyProposal {
  readonly columns: readonly string[];
  readonly confidence: 'likely' | 'unsure';
  readonly why: string;
  /** Other sets as good by uniqueness, best first. */
  readonly alternatives: readonly (readonly string[])[];
}

export interface PartitionSuggestion {
  readonly column: string;
  readonly derivedFrom: string;
  /** The earliest month in the sample; the whole file's may be earlier. */
  readonly firstMonth: string;
}

export interface Proposal {
  readonly columns: readonly ProposedColumn[];
  readonly key: KeyProposal;
  /** Header names that were not snake_case. */
  readonly renames: readonly { readonly from: string; readonly to: string }[];
  readonly partition: PartitionSuggestion | undefined;
  /** One line on partitioning, for the report. */
  readonly partitionWhy: string;
  /** Rows in the sample that repeat an earlier row exactly. */
  readonly duplicateRows: number;
  /** Problems that make the definition unusable as written (the command refuses to write it). */
  readonly blockers: readonly string[];
  /** What staging or the trusted build will do with the file as it is, that a person must know. */
  readonly warnings: readonly string[];
}

const SNAKE_CASE = /^[a-z][a-z0-9_]*$/;

/** A header name in snake_case: accents dropped, camelCase split, anything else an underscore; `column_<n>` when nothing is left. */
export function snakeCase(raw: string, index: number): string {
  const words = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (words === '') return `column_${index + 1}`;
  return /^[0-9]/.test(words) ? `column_${words}` : words;
}

/** Names that say "identifier": a tie-break between equally unique keys. */
const KEY_NAME = /(^|_)(id|key|code|uuid|guid|seq|sequence|sequential|number|num|no|nr)$|[a-z]id$/;
const CODE_NAME = /(^|_)(zip|zipcode|postal|postcode|phone|telephone|fax)(_|$)/;
const KEY_TYPES: ReadonlySet<ColumnType> = new Set(['string', 'int', 'bigint', 'date']);

const INTEGER = /^-?\d+$/;
const LEADING_ZERO = /^-?0\d/;
const DECIMAL_2 = /^-?(0|[1-9]\d{0,9})\.\d{1,2}$/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$|^-?\.\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z| ?[+-]\d{2}:?\d{2})$/;
const SLASH_DATE = /^\d{1,2}[/.]\d{1,2}[/.]\d{4}( \d{1,2}:\d{2}(:\d{2})?)?$/;
const BOOLEAN = /^(true|false)$/i;
const HEX = /^[0-9a-f]+$/i;
const INT32 = { min: -2147483648, max: 2147483647 };
const INT64_MAX = 9223372036854775807n;

function validDate(year: string, month: string, day: string): boolean {
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(Number(year), m, 0)).getUTCDate();
}

/** Which shapes the column's values have. */
class ColumnStats {
  filled = 0;
  empty = 0;
  boolean = 0;
  int32 = 0;
  int64 = 0;
  beyondInt64 = 0;
  leadingZero = 0;
  decimal2 = 0;
  /** Numbers that are neither whole nor decimal(12,2). */
  double = 0;
  maxDecimals = 0;
  date = 0;
  timestamp = 0;
  isoTimestamp = 0;
  slashDate = 0;
  hex = 0;
  hexLength: number | undefined | null = undefined;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  earliest: string | undefined;
  latest: string | undefined;
  readonly values = new Set<string>();
  readonly examples = new Map<string, string>();

  add(raw: string): void {
    const value = raw.trim();
    if (value === '') {
      this.empty++;
      return;
    }
    this.filled++;
    this.values.add(value);
    if (HEX.test(value)) {
      this.hex++;
      this.hexLength = this.hexLength === undefined ? value.length : this.hexLength === value.length ? this.hexLength : null;
    }
    if (BOOLEAN.test(value)) return void this.boolean++;
    if (INTEGER.test(value)) {
      if (LEADING_ZERO.test(value)) {
        this.leadingZero++;
        this.example('leadingZero', value);
        return;
      }
      const digits = value.replace('-', '').length;
      if (digits > 19 || (digits === 19 && (BigInt(value) > INT64_MAX || BigInt(value) < -INT64_MAX - 1n))) {
        this.beyondInt64++;
        this.example('beyondInt64', value);
        return;
      }
      const number = Number(value);
      if (number >= INT32.min && number <= INT32.max) this.int32++;
      else {
        this.int64++;
        this.example('int64', value);
      }
      this.range(number);
      return;
    }
    if (NUMBER.test(value)) {
      const number = Number(value);
      this.range(number);
      const decimals = /\.(\d+)/.exec(value)?.[1]?.length ?? 0;
      this.maxDecimals = Math.max(this.maxDecimals, decimals);
      if (DECIMAL_2.test(value)) {
        this.decimal2++;
        this.example('decimal2', value);
      } else {
        this.double++;
        this.example('double', value);
      }
      return;
    }
    const date = DATE.exec(value);
    if (date && validDate(date[1]!, date[2]!, date[3]!)) {
      this.date++;
      this.moment(value);
      return;
    }
    const timestamp = TIMESTAMP.exec(value);
    if (timestamp && validDate(timestamp[1]!, timestamp[2]!, timestamp[3]!) && Number(timestamp[4]) < 24 && Number(timestamp[5]) < 60 && Number(timestamp[6]) < 60) {
      this.timestamp++;
      this.example('timestamp', value);
      this.moment(value);
      return;
    }
    if (ISO_TIMESTAMP.test(value)) {
      this.isoTimestamp++;
      this.example('isoTimestamp', value);
      return;
    }
    if (SLASH_DATE.test(value)) {
      this.slashDate++;
      this.example('slashDate', value);
      return;
    }
    this.example('other', value);
  }

  private example(kind: string, value: string): void {
    if (!this.examples.has(kind)) this.examples.set(kind, value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }

  private range(number: number): void {
    if (number < this.min) this.min = number;
    if (number > this.max) this.max = number;
  }

  private moment(value: string): void {
    if (this.earliest === undefined || value < this.earliest) this.earliest = value;
    if (this.latest === undefined || value > this.latest) this.latest = value;
  }
}

const quoted = (value: string | undefined) => `"${value ?? ''}"`;
const share = (part: number, whole: number) => `${count(part)} of ${count(whole)}`;

/** The type of one column and why. */
function typeOf(name: string, stats: ColumnStats): { type: ColumnType; why: string } {
  const n = stats.filled;
  if (n === 0) return { type: 'string', why: 'empty in every sampled row: string, a guess' };
  if (stats.boolean === n) return { type: 'boolean', why: 'true/false in every filled row' };
  const whole = stats.int32 + stats.int64;
  const wholeShaped = whole + stats.leadingZero + stats.beyondInt64;
  if (wholeShaped === n) {
    if (stats.leadingZero > 0) return { type: 'string', why: `whole numbers, ${count(stats.leadingZero)} with a leading zero (e.g. ${quoted(stats.examples.get('leadingZero'))}): a code, kept as text` };
    if (CODE_NAME.test(name)) return { type: 'string', why: 'whole numbers, but the name says a code (zip, postal, phone): kept as text' };
    if (stats.beyondInt64 > 0) return { type: 'string', why: `whole numbers beyond 64 bits (e.g. ${quoted(stats.examples.get('beyondInt64'))}): an identifier, kept as text` };
    if (stats.int64 > 0) return { type: 'bigint', why: `whole numbers beyond 32 bits (e.g. ${quoted(stats.examples.get('int64'))})` };
    return { type: 'int', why: `whole numbers from ${stats.min} to ${stats.max}` };
  }
  const numeric = whole + stats.decimal2 + stats.double;
  if (numeric === n && stats.double === 0) {
    return { type: 'decimal(12,2)', why: `numbers with at most 2 decimals (e.g. ${quoted(stats.examples.get('decimal2'))}): an amount, decimal(12,2)` };
  }
  if (numeric === n) return { type: 'double', why: `numbers with up to ${stats.maxDecimals} decimals (e.g. ${quoted(stats.examples.get('double'))})` };
  if (stats.date === n) return { type: 'date', why: `yyyy-MM-dd dates, ${stats.earliest} to ${stats.latest}` };
  if (stats.date + stats.timestamp === n) return { type: 'timestamp', why: `yyyy-MM-dd HH:mm:ss timestamps, ${stats.earliest?.slice(0, 10)} to ${stats.latest?.slice(0, 10)}` };
  // Text. Say so when it is nearly something else, or spelled in a way the casts do not read.
  if (stats.isoTimestamp > 0 && stats.isoTimestamp + stats.timestamp + stats.date === n) {
    return { type: 'string', why: `ISO 8601 timestamps with a T or a zone (e.g. ${quoted(stats.examples.get('isoTimestamp'))}): not every engine's cast reads them, kept as text` };
  }
  if (stats.slashDate > 0 && stats.slashDate + stats.date + stats.timestamp >= n * 0.9) {
    return { type: 'string', why: `dates written like ${quoted(stats.examples.get('slashDate'))}: the casts read yyyy-MM-dd only, kept as text` };
  }
  const nearly: [ColumnType, number][] = [
    ['int', whole],
    ['double', numeric],
    ['timestamp', stats.date + stats.timestamp],
    ['boolean', stats.boolean],
  ];
  const [closeType, fits] = nearly.sort((a, b) => b[1] - a[1])[0]!;
  if (fits >= n * 0.9) {
    const odd = stats.examples.get('other') ?? stats.examples.get('isoTimestamp') ?? stats.examples.get('slashDate') ?? stats.examples.get('leadingZero');
    return { type: 'string', why: `text: ${share(n - fits, n)} values are not ${closeType} (e.g. ${quoted(odd)}); as ${closeType} they would be quarantined` };
  }
  if (stats.hex === n && typeof stats.hexLength === 'number' && stats.hexLength >= 16) return { type: 'string', why: `${stats.hexLength} hex digits in every filled row: an identifier` };
  return { type: 'string', why: 'text' };
}

function hintOf(type: ColumnType, stats: ColumnStats, rows: number): string | undefined {
  if (stats.filled === 0) return undefined;
  if (type === 'int' || type === 'bigint') return 'range?';
  if (type === 'double' || type === 'decimal(12,2)') return `${stats.min} to ${stats.max} in the sample: range?`;
  if (type === 'string' && rows >= 50 && stats.values.size <= 30 && stats.values.size * 2 <= stats.filled) {
    const listed = [...stats.values].sort();
    return `${stats.values.size} distinct values${listed.join(', ').length <= 80 ? ` (${listed.join(', ')})` : ''}: acceptedValues?`;
  }
  return undefined;
}

/** Identifies the values of `columns` across `rows`: how many distinct combinations, stopping early once one repeats (when `stopAtRepeat`). */
function distinctCount(rows: readonly (readonly string[])[], columns: readonly number[], stopAtRepeat: boolean): number {
  const seen = new Set<string>();
  for (const row of rows) {
    const key = columns.length === 1 ? row[columns[0]!]!.trim() : columns.map((column) => row[column]!.trim()).join('\u0000');
    if (seen.has(key)) {
      if (stopAtRepeat) return -1;
      continue;
    }
    seen.add(key);
  }
  return seen.size;
}

function combinations(items: readonly number[], size: number): number[][] {
  if (size === 0) return [[]];
  const result: number[][] = [];
  items.forEach((item, index) => {
    for (const rest of combinations(items.slice(index + 1), size - 1)) result.push([item, ...rest]);
  });
  return result;
}

interface KeyContext {
  readonly names: readonly string[];
  readonly types: readonly ColumnType[];
  readonly distinct: readonly number[];
}

/** Higher is better: identifier-like names, key-like types, holding the first column. */
function scoreOf(set: readonly number[], context: KeyContext): [number, number, number] {
  return [set.filter((column) => KEY_NAME.test(context.names[column]!)).length, set.filter((column) => KEY_TYPES.has(context.types[column]!)).length, set.includes(0) ? 1 : 0];
}

function compareSets(a: readonly number[], b: readonly number[], context: KeyContext): number {
  const [sa, sb] = [scoreOf(a, context), scoreOf(b, context)];
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sb[i]! - sa[i]!;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The smallest sets of up to three columns whose combinations number `target` (every row's, or every distinct row's), best first. */
function keySets(rows: readonly (readonly string[])[], candidates: readonly number[], context: KeyContext, target: number): number[][] {
  const strict = target === rows.length;
  // Wider searches look at the likeliest columns only, so the search stays quick on wide files.
  const likeliest = [...candidates].sort((a, b) => Number(KEY_NAME.test(context.names[b]!)) - Number(KEY_NAME.test(context.names[a]!)) || context.distinct[b]! - context.distinct[a]! || a - b);
  const limits = [candidates.length, 24, 12];
  for (let size = 1; size <= 3; size++) {
    const pool = likeliest.slice(0, limits[size - 1]).sort((a, b) => a - b);
    const found = combinations(pool, size).filter((set) => {
      // Too few distinct values between them to tell `target` rows apart.
      if (set.reduce((product, column) => product * context.distinct[column]!, 1) < target) return false;
      const distinct = distinctCount(rows, set, strict);
      return distinct === target;
    });
    if (found.length > 0) return found.sort((a, b) => compareSets(a, b, context));
  }
  return [];
}

/** When no set is unique: the smallest sets of up to three columns with the most distinct combinations, best first. */
function closestSets(rows: readonly (readonly string[])[], candidates: readonly number[], context: KeyContext): { sets: number[][]; distinct: number } {
  const likeliest = [...candidates].sort((a, b) => Number(KEY_NAME.test(context.names[b]!)) - Number(KEY_NAME.test(context.names[a]!)) || context.distinct[b]! - context.distinct[a]! || a - b);
  const pool = likeliest.slice(0, 8).sort((a, b) => a - b);
  let best = 0;
  let sets: number[][] = [];
  for (let size = 1; size <= Math.min(3, pool.length); size++) {
    for (const set of combinations(pool, size)) {
      const distinct = distinctCount(rows, set, false);
      if (distinct > best) {
        best = distinct;
        sets = [set];
      } else if (distinct === best && set.length === sets[0]?.length) sets.push(set);
    }
  }
  return { sets: sets.sort((a, b) => compareSets(a, b, context)), distinct: best };
}

const listOf = (set: readonly number[], names: readonly string[]) => `[${set.map((column) => names[column]).join(', ')}]`;

function proposeKey(sample: CsvSample, names: readonly string[], types: readonly ColumnType[], stats: readonly ColumnStats[], duplicateRows: number): KeyProposal {
  const rows = sample.rows;
  const context: KeyContext = { names, types, distinct: stats.map((column) => column.values.size) };
  const fallback = (): number[] => {
    const named = names.findIndex((name) => KEY_NAME.test(name));
    return [named >= 0 ? named : 0];
  };
  if (rows.length === 0) {
    const set = fallback();
    return { columns: set.map((column) => names[column]!), confidence: 'unsure', why: 'no data rows to tell: the first identifier-like column, else the first column, a guess', alternatives: [] };
  }
  const candidates = names.map((_, column) => column).filter((column) => stats[column]!.empty === 0 && types[column] !== 'boolean');
  const whole = sample.cut ? `in the first ${count(rows.length)} rows (the file has more)` : rows.length === 1 ? 'in the only row (the whole file)' : `in all ${count(rows.length)} rows (the whole file)`;
  let sets = keySets(rows, candidates, context, rows.length);
  let why: string;
  const unsure: string[] = [];
  if (sets.length > 0) {
    why = `unique and non-empty ${whole}`;
  } else {
    const distinctRows = rows.length - duplicateRows;
    sets = duplicateRows > 0 ? keySets(rows, candidates, context, distinctRows) : [];
    if (sets.length > 0) {
      why = `no columns are unique: ${share(duplicateRows, rows.length)} rows repeat an earlier row exactly; the fewest columns as distinct as whole rows ${whole}`;
    } else {
      const closest = closestSets(rows, candidates, context);
      if (closest.sets.length === 0) {
        const set = fallback();
        return { columns: set.map((column) => names[column]!), confidence: 'unsure', why: `no column is filled in every row ${whole}: the first identifier-like column, else the first column, a guess`, alternatives: [] };
      }
      const [nearest, ...others] = closest.sets as [number[], ...number[][]];
      return {
        columns: nearest.map((column) => names[column]!),
        confidence: 'unsure',
        why: `no set of up to 3 non-empty columns is unique ${whole}; the closest tells ${share(closest.distinct, rows.length)} rows apart${duplicateRows > 0 ? ` (${share(duplicateRows, rows.length)} rows repeat an earlier row exactly)` : ''}`,
        alternatives: others.slice(0, 3).map((set) => set.map((column) => names[column]!)),
      };
    }
    unsure.push('duplicates');
  }
  const [best, ...others] = sets as [number[], ...number[][]];
  if (sample.cut) unsure.push('sample');
  if (rows.length < 20) unsure.push('few rows');
  const tied = others.filter((other) => scoreOf(other, context).every((value, index) => value === scoreOf(best, context)[index]));
  if (tied.length > 0) unsure.push(`${tied.map((set) => listOf(set, names)).join(', ')} ${tied.length === 1 ? 'ranks' : 'rank'} the same`);
  if (rows.length < 20) why += `; only ${counted(rows.length, 'row')}, too few to tell`;
  if (tied.length > 0) why += `; ${tied.map((set) => listOf(set, names)).join(', ')} as likely by name and type (the leftmost was taken)`;
  return { columns: best.map((column) => names[column]!), confidence: unsure.length > 0 ? 'unsure' : 'likely', why, alternatives: others.slice(0, 3).map((set) => set.map((column) => names[column]!)) };
}

/** Fields of the header that look like values rather than names: numbers, dates, timestamps. */
function dataLikeHeader(header: readonly string[]): { index: number; value: string }[] {
  return header
    .map((value, index) => ({ value, index }))
    .filter(({ value }) => NUMBER.test(value) || DATE.test(value) || TIMESTAMP.test(value) || ISO_TIMESTAMP.test(value) || SLASH_DATE.test(value));
}

export function propose(sample: CsvSample): Proposal {
  const blockers: string[] = [];
  const warnings: string[] = [];
  const header = sample.header;
  if (sample.delimiter.delimiter.char !== ',') {
    blockers.push(
      `the file is ${sample.delimiter.delimiter.name}-separated, and the platform stages comma-separated files only (lambdas/ingest/stage-csv.ts): ` +
        `every record would be rejected; convert it to commas first (quoting fields that hold commas), then run this again`,
    );
  }
  const dataLike = dataLikeHeader(header);
  if (dataLike.length > 0) {
    const shown = dataLike.slice(0, 3).map(({ index, value }) => `field ${index + 1} is ${quoted(value)}`);
    blockers.push(`the first row looks like data, not a header (${shown.join(', ')}): the platform takes a file's first row for the names of its columns; add a header row`);
  }
  const duplicated = [...new Set(header.filter((name, index) => header.indexOf(name) !== index))];
  if (duplicated.length > 0) blockers.push(`the header names ${duplicated.map((name) => quoted(name)).join(', ')} twice: staging rejects every record of such a file; rename one at the source`);

  const names = header.map((name, index) => (SNAKE_CASE.test(name) ? name : snakeCase(name, index)));
  const renames = header.map((from, index) => ({ from, to: names[index]! })).filter(({ from, to }) => from !== to);
  const collided = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
  if (collided.length > 0 && duplicated.length === 0) blockers.push(`header names become the same column in snake_case: ${collided.join(', ')}; rename them at the source`);
  // A header that is data has nothing to rename: the blocker above says what to do.
  if (renames.length > 0 && dataLike.length === 0) {
    warnings.push(
      `${renames.length} header name${renames.length === 1 ? ' is' : 's are'} not snake_case (${renames.slice(0, 5).map(({ from, to }) => `${quoted(from)} -> ${to}`).join(', ')}${renames.length > 5 ? ', ...' : ''}): ` +
        'staging maps columns by their exact header names, so files with this header would be rejected whole; rename the header at the source to the names written here',
    );
  }
  if (sample.ragged.length > 0) {
    const first = sample.ragged[0]!;
    warnings.push(`${count(sample.ragged.length)} sampled records do not have ${header.length} fields (record ${count(first.record)} has ${first.fields}): staging rejects them; they were left out of the sample`);
  }
  if (sample.parseError) warnings.push(`the CSV could not be parsed past a point (${sample.parseError}): sampled the records before it; staging rejects malformed records one by one`);
  if (sample.encoding === 'latin1' && sample.c1Controls > 0) {
    warnings.push(`${count(sample.c1Controls)} bytes from 0x80 to 0x9F: in Windows-1252 those are letters and punctuation (€, “ ”, …), in latin1 control characters; if the file is Windows-1252, convert it to UTF-8`);
  }

  const stats = header.map(() => new ColumnStats());
  for (const row of sample.rows) for (let column = 0; column < header.length; column++) stats[column]!.add(row[column]!);
  const typed = names.map((name, column) => typeOf(name, stats[column]!));
  const types = typed.map(({ type }) => type);
  const seenRows = new Set(sample.rows.map((row) => row.map((field) => field.trim()).join('\u0000')));
  const duplicateRows = sample.rows.length - seenRows.size;
  if (sample.rows.length === 0) warnings.push('no data rows, only the header: every column is string and the key is a guess; run this again on a file with rows');

  const key = proposeKey(sample, names, types, stats, duplicateRows);
  if (duplicateRows > 0) warnings.push(`${share(duplicateRows, sample.rows.length)} sampled rows repeat an earlier row exactly: the trusted build keeps the latest of each key and quarantines the others as superseded`);
  const columns: ProposedColumn[] = header.map((headerName, column) => ({
    header: headerName,
    name: names[column]!,
    type: types[column]!,
    why: typed[column]!.why,
    filled: stats[column]!.filled,
    empty: stats[column]!.empty,
    distinct: stats[column]!.values.size,
    required: key.columns.includes(names[column]!),
    hint: hintOf(types[column]!, stats[column]!, sample.rows.length),
  }));

  let partition: PartitionSuggestion | undefined;
  let partitionWhy: string;
  if (!sample.cut) {
    partitionWhy = `none: the whole file is ${counted(sample.rows.length, 'row')}, small enough to read whole`;
  } else {
    const source = columns.find((column) => (column.type === 'timestamp' || column.type === 'date') && column.empty === 0 && column.filled > 0);
    if (source) {
      const stem = source.name.replace(/_(timestamp|datetime|date|time|at|ts|dt)$/, '');
      let name = `${stem === source.name ? source.name : stem}_month`;
      while (names.includes(name)) name = `${name}_partition`;
      const earliest = stats[columns.indexOf(source)]!.earliest!;
      partition = { column: name, derivedFrom: source.name, firstMonth: earliest.slice(0, 7) };
      partitionWhy =
        `not set; the file has more than ${count(sample.rows.length)} rows: a month partition on ${source.name} (filled in every sampled row) is suggested ` +
        `in a comment; its firstMonth ${partition.firstMonth} is the sample's earliest, check the whole file's`;
    } else {
      partitionWhy = `not set, though the file has more than ${count(sample.rows.length)} rows: no timestamp or date column is filled in every sampled row to derive a month from`;
    }
  }
  return { columns, key, renames, partition, partitionWhy, duplicateRows, blockers, warnings };
}
