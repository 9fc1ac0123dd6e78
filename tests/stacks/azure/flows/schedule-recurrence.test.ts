import { describe, expect, it } from 'vitest';
import { DATA_FACTORY_SCHEDULE_TIME_ZONE, dataFactoryRecurrence, ScheduleConversionError, type DataFactoryRecurrence } from '../../../../stacks/azure/flows/schedule-recurrence.ts';
import { environmentNamed } from '../../../support/environments.ts';

const HOURS = Array.from({ length: 24 }, (_unused, hour) => hour);
const MINUTES = Array.from({ length: 60 }, (_unused, minute) => minute);

describe('dataFactoryRecurrence', () => {
  const table: [string, DataFactoryRecurrence][] = [
    ['rate(1 minute)', { frequency: 'Minute', interval: 1 }],
    ['rate(5 minutes)', { frequency: 'Minute', interval: 5 }],
    ['rate(1 hour)', { frequency: 'Hour', interval: 1 }],
    ['rate(6 hours)', { frequency: 'Hour', interval: 6 }],
    ['rate(1 day)', { frequency: 'Day', interval: 1 }],
    ['rate( 2 days )', { frequency: 'Day', interval: 2 }],
    ['cron(0 3 ? * MON *)', { frequency: 'Week', interval: 1, schedule: { minutes: [0], hours: [3], daysOfWeek: ['Monday'] } }],
    ['cron(15 * * * ? *)', { frequency: 'Day', interval: 1, schedule: { minutes: [15], hours: HOURS } }],
    ['cron(0 3 * * ? *)', { frequency: 'Day', interval: 1, schedule: { minutes: [0], hours: [3] } }],
    ['cron(30 6 ? * * *)', { frequency: 'Day', interval: 1, schedule: { minutes: [30], hours: [6] } }],
    ['cron(* * * * ? *)', { frequency: 'Minute', interval: 1 }],
    ['cron(*/15 * * * ? *)', { frequency: 'Day', interval: 1, schedule: { minutes: [0, 15, 30, 45], hours: HOURS } }],
    ['cron(5/20 */6 * * ? *)', { frequency: 'Day', interval: 1, schedule: { minutes: [5, 25, 45], hours: [0, 6, 12, 18] } }],
    ['cron(0 8-10,17 ? * * *)', { frequency: 'Day', interval: 1, schedule: { minutes: [0], hours: [8, 9, 10, 17] } }],
    ['cron(* 4 * * ? *)', { frequency: 'Day', interval: 1, schedule: { minutes: MINUTES, hours: [4] } }],
    [
      'cron(0 18 ? * MON-FRI *)',
      { frequency: 'Week', interval: 1, schedule: { minutes: [0], hours: [18], daysOfWeek: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] } },
    ],
    ['cron(0 9 ? * SAT,sun *)', { frequency: 'Week', interval: 1, schedule: { minutes: [0], hours: [9], daysOfWeek: ['Sunday', 'Saturday'] } }],
    // AWS numbers the days 1 = SUN .. 7 = SAT.
    ['cron(0 9 ? * 1,7 *)', { frequency: 'Week', interval: 1, schedule: { minutes: [0], hours: [9], daysOfWeek: ['Sunday', 'Saturday'] } }],
    ['cron(0 9 ? * 2-6 *)', { frequency: 'Week', interval: 1, schedule: { minutes: [0], hours: [9], daysOfWeek: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] } }],
    ['cron(0 9 ? * SUN-SAT *)', { frequency: 'Day', interval: 1, schedule: { minutes: [0], hours: [9] } }],
    ['cron(0 2 1,15 * ? *)', { frequency: 'Month', interval: 1, schedule: { minutes: [0], hours: [2], daysOfMonth: [1, 15] } }],
    ['cron(0 3 L * ? *)', { frequency: 'Month', interval: 1, schedule: { minutes: [0], hours: [3], daysOfMonth: [-1] } }],
  ];

  it.each(table)('%s', (expression, expected) => {
    expect(dataFactoryRecurrence(expression, 'schedules.retrain')).toEqual(expected);
  });

  const unsupported: [string, RegExp][] = [
    ['cron(0 3 LW * ? *)', /day-of-month "LW" uses L/],
    ['cron(0 3 15W * ? *)', /day-of-month "15W" uses W/],
    ['cron(0 3 ? * 6#3 *)', /day-of-week "6#3" uses #/],
    ['cron(0 3 ? * 6L *)', /day-of-week "6L" uses L/],
    ['cron(0 3 1 * ? 2027)', /year "2027" restricts the years/],
    ['cron(0 3 1 * ? 2026-2030)', /year/],
    ['cron(0 3 1 1,7 ? *)', /month "1,7" picks months/],
    ['cron(0 3 1 */3 ? *)', /month "\*\/3" picks months/],
    ['cron(0 3 ? JAN MON *)', /month "JAN" picks months/],
    ['cron(0 3 ? * FRI-MON *)', /wrapping range "FRI-MON"/],
    ['cron(60 3 * * ? *)', /minute "60" has 60, outside 0-59/],
    ['cron(0 24 * * ? *)', /hour "24" has 24, outside 0-23/],
    ['cron(0 3 * * *)', /6 fields/],
    ['cron(0 3 ? * ? *)', /both \?/],
    ['cron(0 3 1 * MON *)', /both set/],
    ['rate(0 minutes)', /positive whole number/],
    ['rate(1 week)', /not a rate\(\) or cron\(\) expression/],
    ['at(2026-12-01T00:00:00)', /not a rate\(\) or cron\(\) expression/],
  ];

  it.each(unsupported)('refuses %s, naming the key, the value and what Data Factory takes', (expression, why) => {
    let error: unknown;
    try {
      dataFactoryRecurrence(expression, 'schedules.retrain');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScheduleConversionError);
    const message = (error as Error).message;
    expect(message.startsWith(`schedules.retrain = ${expression}: `)).toBe(true);
    expect(message).toMatch(why);
    expect(message).toContain('; Data Factory schedule triggers take rate(');
  });

  it('converts every schedule of every shipped environment', () => {
    for (const name of ['dev', 'prod'] as const) {
      const { schedules } = environmentNamed(name);
      for (const [key, expression] of Object.entries(schedules)) {
        expect(() => dataFactoryRecurrence(expression, `schedules.${key}`), `${name}: schedules.${key}`).not.toThrow();
      }
    }
  });

  it('writes recurrences in UTC, as EventBridge Scheduler reads schedules that set no time zone', () => {
    expect(DATA_FACTORY_SCHEDULE_TIME_ZONE).toBe('UTC');
  });
});
