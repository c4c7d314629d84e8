// Schedules: the presets, cron parsing, the next run times and a readable description.
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

export const PRESETS = ['@once', '@hourly', '@daily', '@weekly', '@monthly'] as const;
export type Preset = (typeof PRESETS)[number];

/** The cron each preset stands for on the server (`@weekly` is Monday 00:00). */
export const PRESET_CRON: Record<Exclude<Preset, '@once'>, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 1',
  '@monthly': '0 0 1 * *',
};

export const PRESET_LABELS: Record<Preset, string> = {
  '@once': 'Once',
  '@hourly': 'Hourly',
  '@daily': 'Daily',
  '@weekly': 'Weekly',
  '@monthly': 'Monthly',
};

export function isPreset(value: string): value is Preset {
  return (PRESETS as readonly string[]).includes(value);
}

/** Why a cron expression is not usable, or null when it is. The server takes exactly 5 fields. */
export function cronError(expression: string): string | null {
  const text = expression.trim();
  if (!text) return 'Enter a cron expression.';
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    return `A cron expression has 5 fields (minute hour day-of-month month day-of-week); this one has ${String(fields.length)}.`;
  }
  try {
    new Cron(text, { paused: true });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^CronPattern:\s*/, '') : 'Not a valid cron expression.';
  }
}

/** The cron behind an interval (a preset or a cron expression), or null for @once. */
export function cronOf(interval: string): string | null {
  if (interval === '@once') return null;
  if (isPreset(interval) && interval !== '@once') return PRESET_CRON[interval];
  return interval.trim();
}

export interface NextRunsInput {
  interval: string;
  timezone: string;
  start?: Date | null;
  end?: Date | null;
  from?: Date;
  count?: number;
}

/** The next run times of a schedule (at most `count`, default 5), after `start` and before `end`. */
export function nextRuns({ interval, timezone, start, end, from = new Date(), count = 5 }: NextRunsInput): Date[] {
  if (interval === '@once') {
    const at = start && start > from ? start : from;
    return end && at > end ? [] : [at];
  }
  const cron = cronOf(interval);
  if (!cron || cronError(cron)) return [];
  try {
    const job = new Cron(cron, {
      paused: true,
      timezone,
      startAt: start && start > from ? start : undefined,
      stopAt: end ?? undefined,
    });
    const after = start && start > from ? new Date(start.getTime() - 1000) : from;
    return job.nextRuns(count, after);
  } catch {
    return [];
  }
}

/** "At 02:30 AM", "Every hour"...; null when the expression cannot be described. */
export function describeInterval(interval: string): string | null {
  if (interval === '@once') return 'Once, at the start time (or as soon as the trigger is enabled)';
  const cron = cronOf(interval);
  if (!cron || cronError(cron)) return null;
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return null;
  }
}
