// Global data products' freshness settings in words.
import type { DataProduct } from '../api/dataProducts';

/** Mage's `outdated_after` in words: `1 week, 2 hours`; fresh for ever when there is none. */
export function freshFor(after: DataProduct['outdated_after']): string {
  if (!after) return 'for ever once made';
  const parts: string[] = [];
  const unit = (n: number, name: string) => {
    if (n) parts.push(`${String(n)} ${name}${n === 1 ? '' : 's'}`);
  };
  unit(after.years, 'year');
  unit(after.months, 'month');
  unit(after.weeks, 'week');
  let seconds = after.seconds;
  for (const [size, name] of [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ] as const) {
    unit(Math.floor(seconds / size), name);
    seconds %= size;
  }
  unit(Math.round(seconds * 1000) / 1000, 'second');
  return parts.length ? parts.join(', ') : 'not at all (always outdated)';
}

/** Mage's `outdated_starting_at` in words: `hour_of_day 5, day_of_week 1`. */
export function startingAt(value: DataProduct['outdated_starting_at']): string {
  const entries = Object.entries(value);
  return entries.length ? entries.map(([k, v]) => `${k.replace(/_/g, ' ')} ${String(v)}`).join(', ') : '—';
}
