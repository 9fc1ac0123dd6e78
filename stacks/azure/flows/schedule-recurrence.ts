/**
 * The environment's schedules (EventBridge Scheduler expressions, see
 * `schedules` in config/schema.ts) as Data Factory schedule-trigger
 * recurrences, shaped like `azurerm_data_factory_trigger_schedule`
 * (frequency, interval, schedule {minutes, hours, days_of_week, days_of_month}).
 *
 * Exact or nothing: an expression whose runs Data Factory cannot reproduce
 * exactly throws ScheduleConversionError naming the key, the value and what
 * Data Factory takes. Nothing is approximated.
 *
 * Time zone: the AWS stack's schedules set no time zone, so EventBridge
 * Scheduler reads them in UTC; the trigger must do the same
 * (`time_zone = DATA_FACTORY_SCHEDULE_TIME_ZONE`; the azurerm provider sends an
 * empty time zone when the attribute is left out).
 *
 * Wall-clock cron schedules become Day/Week/Month recurrences with explicit
 * hour and minute lists (`cron(15 * * * ? *)` -> every day at hours 0..23,
 * minute 15) rather than an Hour or Minute interval, whose runs would be
 * anchored on the trigger's start time instead of the clock. A rate() keeps
 * its interval semantics: like EventBridge's, its runs count from when the
 * trigger starts.
 */
export type DataFactoryFrequency = 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month';
export type DataFactoryWeekday = 'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';

export interface DataFactoryRecurrence {
  readonly frequency: DataFactoryFrequency;
  readonly interval: number;
  readonly schedule?: {
    readonly minutes?: number[];
    readonly hours?: number[];
    /** 'Monday' … as azurerm's `days_of_week` takes them. */
    readonly daysOfWeek?: DataFactoryWeekday[];
    /** 1..31, or -1 for the last day of the month (azurerm takes -31..-1 and 1..31). */
    readonly daysOfMonth?: number[];
  };
}

/** The time zone the recurrences are written in: the one EventBridge Scheduler assumes when none is set. */
export const DATA_FACTORY_SCHEDULE_TIME_ZONE = 'UTC';

export class ScheduleConversionError extends Error {
  override readonly name = 'ScheduleConversionError';
}

/** What the conversion accepts; every error message ends with it. */
const DATA_FACTORY_TAKES =
  'Data Factory schedule triggers take rate(<n> minute|minutes|hour|hours|day|days), or cron() with minutes and hours ' +
  'fixed, listed, ranged, stepped (*/n) or *, day-of-month ? or * or days 1-31 or L, day-of-week ? or * or days ' +
  '(SUN-SAT or 1-7, 1 = SUN; lists and ranges), month * and year *';

const WEEKDAYS: readonly DataFactoryWeekday[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** AWS cron day-of-week names; their index + 1 is the AWS number (1 = SUN). */
const AWS_DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const AWS_MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\(\s*(.*?)\s*\)$/;

/**
 * `expression` (an EventBridge schedule) as a Data Factory recurrence.
 * `keyPath` names where it came from (e.g. `schedules.retrain`) in errors.
 */
export function dataFactoryRecurrence(expression: string, keyPath: string): DataFactoryRecurrence {
  const fail = (why: string): never => {
    throw new ScheduleConversionError(`${keyPath} = ${expression}: ${why}; ${DATA_FACTORY_TAKES}`);
  };
  const trimmed = expression.trim();
  const rate = RATE.exec(trimmed);
  if (rate) {
    const interval = Number(rate[1]);
    if (!Number.isSafeInteger(interval) || interval < 1) return fail('a rate must be a positive whole number');
    const unit = rate[2] ?? '';
    const frequency: DataFactoryFrequency = unit.startsWith('minute') ? 'Minute' : unit.startsWith('hour') ? 'Hour' : 'Day';
    return { frequency, interval };
  }
  const cron = CRON.exec(trimmed);
  if (!cron) return fail('not a rate() or cron() expression');
  const fields = (cron[1] ?? '').split(/\s+/);
  if (fields.length !== 6) return fail(`a cron expression has 6 fields (minute hour day-of-month month day-of-week year), this one has ${fields.length}`);
  const [minuteField, hourField, domField, monthField, dowField, yearField] = fields as [string, string, string, string, string, string];

  if (yearField !== '*') fail(`year "${yearField}" restricts the years it runs in, and a trigger recurs every year (bound it with the trigger's end time instead)`);
  const months = parseField(monthField, { what: 'month', min: 1, max: 12, names: AWS_MONTH_NAMES, fail });
  if (months !== 'every') fail(`month "${monthField}" picks months, and a trigger's schedule has no month list (a Month interval counts from its start time)`);

  const minutes = parseField(minuteField, { what: 'minute', min: 0, max: 59, fail });
  const hours = parseField(hourField, { what: 'hour', min: 0, max: 23, fail });

  let daysOfMonth: number[] | undefined;
  let daysOfWeek: DataFactoryWeekday[] | undefined;
  if (domField === '?' && dowField === '?') fail('day-of-month and day-of-week are both ?; exactly one of them must be');
  if (domField !== '?' && dowField !== '?') fail('day-of-month and day-of-week are both set; AWS cron needs ? in exactly one of them');
  if (dowField === '?') {
    if (domField === 'L') {
      daysOfMonth = [-1];
    } else {
      const days = parseField(domField, { what: 'day-of-month', min: 1, max: 31, fail });
      if (days !== 'every') daysOfMonth = days;
    }
  } else {
    const days = parseField(dowField, { what: 'day-of-week', min: 1, max: 7, names: AWS_DAY_NAMES, fail });
    if (days !== 'every') daysOfWeek = days.map((day) => WEEKDAYS[day - 1] as DataFactoryWeekday);
  }

  const everyDay = !daysOfMonth && !daysOfWeek;
  if (everyDay && minutes === 'every' && hours === 'every') return { frequency: 'Minute', interval: 1 };
  const schedule = {
    minutes: minutes === 'every' ? range(0, 59) : minutes,
    hours: hours === 'every' ? range(0, 23) : hours,
    ...(daysOfWeek ? { daysOfWeek } : {}),
    ...(daysOfMonth ? { daysOfMonth } : {}),
  };
  return { frequency: daysOfMonth ? 'Month' : daysOfWeek ? 'Week' : 'Day', interval: 1, schedule };
}

interface FieldSpec {
  readonly what: string;
  readonly min: number;
  readonly max: number;
  /** Names for min, min+1, … (AWS accepts them in month and day-of-week). */
  readonly names?: readonly string[];
  readonly fail: (why: string) => never;
}

/**
 * One cron field as the sorted values it matches, or 'every' when it matches
 * all of them (`*`, or a list that happens to cover the whole range).
 */
function parseField(field: string, spec: FieldSpec): number[] | 'every' {
  const { what, min, max, fail } = spec;
  if (field === '*') return 'every';
  if (field === '?') return fail(`${what} cannot be ?`);
  const unsupported = /[LW#?]/i.exec(field);
  if (unsupported) return fail(`${what} "${field}" uses ${unsupported[0]}, which has no schedule-trigger equivalent here`);
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = spec.names?.indexOf(upper) ?? -1;
    if (named >= 0) return min + named;
    if (!/^\d+$/.test(token)) return fail(`${what} "${field}" has "${token}", which is not a number${spec.names ? ' or a name' : ''}`);
    const number = Number(token);
    if (number < min || number > max) return fail(`${what} "${field}" has ${number}, outside ${min}-${max}`);
    return number;
  };
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [base = '', step, extra] = part.split('/');
    if (extra !== undefined) fail(`${what} "${field}" has "${part}", with more than one /`);
    let from: number;
    let to: number;
    if (base === '*') {
      [from, to] = [min, max];
    } else if (base.includes('-')) {
      const [low = '', high = '', more] = base.split('-');
      if (more !== undefined) fail(`${what} "${field}" has "${base}", which is not a range`);
      [from, to] = [value(low), value(high)];
      if (from > to) fail(`${what} "${field}" has the wrapping range "${base}"; list its values instead`);
    } else {
      from = value(base);
      // `a/n` starts at a and runs to the end of the range, as in AWS cron.
      to = step === undefined ? from : max;
    }
    let increment = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1) fail(`${what} "${field}" has the step "/${step}", which is not a positive number`);
      increment = Number(step);
    }
    for (let current = from; current <= to; current += increment) values.add(current);
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === max - min + 1 ? 'every' : sorted;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_unused, index) => from + index);
}
