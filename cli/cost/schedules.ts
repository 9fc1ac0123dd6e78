/**
 * Runs per month of an EventBridge-style schedule (rate(...) or AWS cron(...)).
 * A month is 730 hours, the convention AWS and Azure pricing pages use, so
 * `rate(1 hour)` is 730 runs; cron expressions are counted over a whole
 * reference year (2025, not leap) and divided by 12, so monthly and weekly
 * patterns average out the way a bill does over a year.
 */

export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const REFERENCE_YEAR = 2025;

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

export function runsPerMonth(expression: string): number {
  const text = expression.trim();
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(text);
  if (rate) {
    const every = Number(rate[1]);
    const unit = rate[2]!.replace(/s$/, '');
    const minutes = unit === 'minute' ? every : unit === 'hour' ? every * 60 : every * 1440;
    return (HOURS_PER_MONTH * 60) / minutes;
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return cronRunsPerYear(cron[1]!.trim().split(/\s+/), text) / 12;
  throw new ScheduleError(`${expression}: not a schedule; expected rate(<n> minute|minutes|hour|hours|day|days) or cron(<6 fields>)`);
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function cronRunsPerYear(fields: string[], text: string): number {
  if (fields.length !== 6) throw new ScheduleError(`${text}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year)`);
  const [minuteField, hourField, domField, monthField, dowField] = fields as [string, string, string, string, string];
  const minutes = expand(minuteField, 0, 59, [], text).size;
  const hours = expand(hourField, 0, 23, [], text).size;
  const months = expand(monthField, 1, 12, MONTHS, text);
  let days = 0;
  for (let day = new Date(Date.UTC(REFERENCE_YEAR, 0, 1)); day.getUTCFullYear() === REFERENCE_YEAR; day = new Date(day.getTime() + 86_400_000)) {
    if (!months.has(day.getUTCMonth() + 1)) continue;
    if (dayMatches(day, domField, dowField, text)) days++;
  }
  return days * hours * minutes;
}

function dayMatches(day: Date, dom: string, dow: string, text: string): boolean {
  const lastDay = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
  const date = day.getUTCDate();
  if (dow === '?' || dow === '*') {
    if (dom === '?' || dom === '*') return true;
    if (dom === 'L') return date === lastDay;
    return expand(dom, 1, 31, [], text).has(date);
  }
  // AWS day-of-week: 1 = Sunday .. 7 = Saturday.
  const weekday = day.getUTCDay() + 1;
  const nth = /^(\w+)#([1-5])$/.exec(dow);
  if (nth) return expand(nth[1]!, 1, 7, DAYS, text).has(weekday) && Math.ceil(date / 7) === Number(nth[2]);
  const last = /^(\w+)L$/.exec(dow);
  if (last) return expand(last[1]!, 1, 7, DAYS, text).has(weekday) && date + 7 > lastDay;
  return expand(dow, 1, 7, DAYS, text).has(weekday);
}

function expand(field: string, min: number, max: number, names: string[], text: string): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const index = names.indexOf(upper);
    if (index >= 0) return index + min;
    const number = Number(token);
    if (!Number.isInteger(number) || number < min || number > max) throw new ScheduleError(`${text}: "${token}" is not a value from ${min} to ${max}${names.length ? ` or ${names[0]}..${names.at(-1)}` : ''}`);
    return number;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`${text}: step "${stepText}" must be a positive integer`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

// ---------------------------------------------------------------- Data Factory schedule triggers

const WEEKDAYS: Record<string, string> = { sunday: 'SUN', monday: 'MON', tuesday: 'TUE', wednesday: 'WED', thursday: 'THU', friday: 'FRI', saturday: 'SAT' };

export interface TriggerRuns {
  readonly runs: number;
  /** How the runs were counted, for the line's formula. */
  readonly text: string;
}

/**
 * Runs per month of an `azurerm_data_factory_trigger_schedule` from its
 * `frequency` (Minute, Hour, Day, Week, Month), `interval` and optional
 * `schedule` block (minutes, hours, days_of_week, days_of_month, monthly).
 * Day/Week/Month schedules are rewritten as the equivalent cron and counted
 * like the AWS schedules (a reference year / 12), so the two clouds agree on
 * what a weekly run costs; an interval above 1 divides that count.
 */
export function triggerRunsPerMonth(body: Record<string, unknown>): TriggerRuns {
  const frequency = String(body.frequency ?? 'Minute');
  const interval = Number(body.interval ?? 1);
  if (!Number.isFinite(interval) || interval < 1) throw new ScheduleError(`interval ${JSON.stringify(body.interval)}: must be a whole number >= 1`);
  const schedule = (Array.isArray(body.schedule) ? body.schedule[0] : body.schedule) as Record<string, unknown> | undefined;
  const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number).filter(Number.isFinite) : []);
  const minutes = numbers(schedule?.minutes);
  const hours = numbers(schedule?.hours);
  const every = interval === 1 ? '' : ` / interval ${interval}`;
  const at = `${minutes.length ? minutes.join(',') : '0'} ${hours.length ? hours.join(',') : '0'}`;
  const viaCron = (cron: string) => ({ runs: runsPerMonth(cron) / interval, text: `${frequency} trigger = ${cron}${every}` });
  switch (frequency) {
    case 'Minute':
      return { runs: (HOURS_PER_MONTH * 60) / interval, text: `every ${interval} minute(s)` };
    case 'Hour': {
      const perHour = Math.max(1, minutes.length);
      return { runs: (HOURS_PER_MONTH * perHour) / interval, text: `every ${interval} hour(s)${perHour > 1 ? ` at ${perHour} minutes` : ''}` };
    }
    case 'Day':
      return viaCron(`cron(${at} * * ? *)`);
    case 'Week': {
      const days = (Array.isArray(schedule?.days_of_week) ? schedule.days_of_week : []).map((day) => WEEKDAYS[String(day).toLowerCase()]);
      if (days.some((day) => day === undefined)) throw new ScheduleError(`days_of_week ${JSON.stringify(schedule?.days_of_week)}: expected weekday names`);
      if (days.length === 0) return { runs: 365 / 7 / 12 / interval, text: `once a week (365/7/12)${every}` };
      return viaCron(`cron(${at} ? * ${days.join(',')} *)`);
    }
    case 'Month': {
      const dates = numbers(schedule?.days_of_month).map((day) => (day === -1 ? 'L' : String(day)));
      const monthly = (Array.isArray(schedule?.monthly) ? schedule.monthly : schedule?.monthly ? [schedule.monthly] : []) as Array<{ weekday?: unknown; week?: unknown }>;
      if (dates.length > 0) return viaCron(`cron(${at} ${dates.join(',')} * ? *)`);
      if (monthly.length > 0) {
        const crons = monthly.map(({ weekday, week }) => {
          const day = WEEKDAYS[String(weekday).toLowerCase()];
          if (!day) throw new ScheduleError(`monthly.weekday ${JSON.stringify(weekday)}: expected a weekday name`);
          return `cron(${at} ? * ${Number(week) === -1 ? `${day}L` : `${day}#${Number(week ?? 1)}`} *)`;
        });
        return { runs: crons.reduce((total, cron) => total + runsPerMonth(cron), 0) / interval, text: `Month trigger = ${crons.join(' + ')}${every}` };
      }
      return { runs: 1 / interval, text: `once a month${every}` };
    }
    default:
      throw new ScheduleError(`frequency ${JSON.stringify(body.frequency)}: expected Minute, Hour, Day, Week or Month`);
  }
}
