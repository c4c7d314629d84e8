// Runs: page size and durations.
import type { Run } from '../api/client';
import { elapsedSeconds } from './format';

export const PAGE_SIZE = 50;

export function runDuration(run: Run, now = Date.now()): number | null {
  if (run.duration_seconds != null) return run.duration_seconds;
  if (run.status === 'running') return elapsedSeconds(run.started_at, null, now);
  return elapsedSeconds(run.started_at, run.completed_at, now);
}

/** The instant a `to` date ends (UTC): runs executed on that day are included. */
export function dayAfter(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().replace('.000Z', 'Z');
}
