// Cron expressions for scheduled drills, through cron-parser: five fields (minute, hour, day of
// month, month, day of week), read in UTC. The parser also takes a sixth field for seconds and
// `@`-macros; the setting is stricter so that what an engineer writes means what crontab(5) says.

import { CronExpressionParser } from 'cron-parser';

/** Why `text` is not a five-field cron expression, or undefined when it is one. */
export function cronProblem(text: string): string | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week, UTC), like "0 3 * * *"; got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', strict: false });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The first time after `after` that the five-field expression names (UTC). */
export function nextRun(text: string, after: Date): Date {
  return CronExpressionParser.parse(text.trim(), { tz: 'UTC', currentDate: after }).next().toDate();
}
