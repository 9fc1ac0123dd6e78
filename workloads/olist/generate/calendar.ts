/**
 * Olist's calendar: orders from 2016-09-04 to 2018-10-17, with the monthly
 * volume of the published dataset (the growth, the 2016 gap, the November
 * 2017 Black Friday peak and the tail of the last two months), and the
 * timestamp format of its files.
 */
import type { Random } from '../../../pipelines/workloads/generate/random.ts';

export interface SalesMonth {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly firstDay: number;
  readonly lastDay: number;
  /** Orders Olist had in this month. */
  readonly orders: number;
}

const month = (year: number, monthNumber: number, orders: number, firstDay = 1, lastDay = daysInMonth(year, monthNumber)): SalesMonth => ({
  year,
  month: monthNumber,
  firstDay,
  lastDay,
  orders,
});

function daysInMonth(year: number, monthNumber: number): number {
  return new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
}

export const SALES_MONTHS: readonly SalesMonth[] = [
  month(2016, 9, 4, 4), month(2016, 10, 324), month(2016, 11, 0), month(2016, 12, 1),
  month(2017, 1, 800), month(2017, 2, 1780), month(2017, 3, 2682), month(2017, 4, 2404),
  month(2017, 5, 3700), month(2017, 6, 3245), month(2017, 7, 4026), month(2017, 8, 4331),
  month(2017, 9, 4285), month(2017, 10, 4631), month(2017, 11, 7544), month(2017, 12, 5673),
  month(2018, 1, 7269), month(2018, 2, 6728), month(2018, 3, 7211), month(2018, 4, 6939),
  month(2018, 5, 6873), month(2018, 6, 6167), month(2018, 7, 6292), month(2018, 8, 6512),
  month(2018, 9, 16), month(2018, 10, 4, 1, 17),
];

/** The last month with normal trade; Olist's last weeks are a trickle of mostly canceled orders. */
export const LAST_TRADING_MONTH_INDEX = SALES_MONTHS.findIndex((m) => m.year === 2018 && m.month === 8);

// Orders per hour of day in Olist: quiet nights, busy from late morning to late evening.
const HOUR_WEIGHTS = [25, 12, 5, 3, 2, 2, 5, 12, 30, 48, 62, 66, 60, 64, 67, 64, 64, 62, 58, 60, 62, 63, 58, 41];
const HOUR_TOTAL = HOUR_WEIGHTS.reduce((sum, weight) => sum + weight, 0);

const SECONDS_PER_DAY = 86_400;

/** A purchase moment in the month, in seconds since the epoch (Olist's timestamps are local, zone-less). */
export function purchaseSecond(random: Random, salesMonth: SalesMonth): number {
  let day: number;
  const draw = random.next();
  // Black Friday (the fourth Friday of November) and the day after carry a fifth of the month.
  if (salesMonth.month === 11 && draw < 0.2) day = blackFriday(salesMonth.year) + (draw < 0.15 ? 0 : 1);
  else day = random.int(salesMonth.firstDay, salesMonth.lastDay);
  let target = random.next() * HOUR_TOTAL;
  let hour = 0;
  while (hour < 23 && (target -= HOUR_WEIGHTS[hour]!) >= 0) hour++;
  return Date.UTC(salesMonth.year, salesMonth.month - 1, day) / 1000 + hour * 3600 + random.int(0, 3599);
}

function blackFriday(year: number): number {
  const firstWeekday = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const firstFriday = 1 + ((5 - firstWeekday + 7) % 7);
  return firstFriday + 21;
}

/** `YYYY-MM-DD HH:MM:SS`, as in every Olist file. */
export function formatTimestamp(second: number): string {
  const iso = new Date(second * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Midnight of the day holding `second` (estimated delivery and review dates are whole days). */
export function startOfDay(second: number): number {
  return Math.floor(second / SECONDS_PER_DAY) * SECONDS_PER_DAY;
}

export const DAY = SECONDS_PER_DAY;
export const HOUR = 3600;
