// The dashboard's charts shaped from the API: runs per day stacked by status, a pipeline's runs coloured by status,
// its blocks' median and 90th percentile durations. Pure functions, so they are tested without a canvas.
import type { Schemas, RunStatus } from '../api/client';
import { formatDuration } from './format';
import { type Palette, statusColor } from './palette';

/** One bar series: a value per label, one colour or one per bar. */
export interface BarSeries {
  label: string;
  values: number[];
  color: string | string[];
}

export interface BarData {
  labels: string[];
  series: BarSeries[];
}

/** The order the statuses stack in, bottom up. */
const STACK: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'running', 'initial'];

const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** `Mar 4` for `2026-03-04` (a UTC day). */
export function formatDay(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? day : dayLabel.format(new Date(t));
}

/** Runs per day, one series per status that has runs (completed and failed always, so the legend reads the same). */
export function runsPerDay(perDay: Schemas['DayDto'][], palette: Palette): BarData {
  const count = (day: Schemas['DayDto'], status: RunStatus) => day.counts[status] ?? 0;
  const series = STACK.filter((status) => status === 'completed' || status === 'failed' || perDay.some((day) => count(day, status) > 0)).map(
    (status) => ({
      label: status,
      values: perDay.map((day) => count(day, status)),
      color: statusColor(palette, status),
    }),
  );
  return { labels: perDay.map((day) => formatDay(day.day)), series };
}

/** A duration on a chart's axis or tooltip: `0.5 s`, `8 s`, `12.3 s`, then as `formatDuration` from a minute. */
export function chartDuration(seconds: number): string {
  if (seconds < 60) return `${String(Number(seconds.toFixed(seconds < 10 ? 2 : 1)))} s`;
  return formatDuration(seconds);
}

/** `12.5 %`; an em dash when there is no rate. */
export function formatRate(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return '—';
  const percent = rate * 100;
  return `${percent < 10 && percent > 0 ? percent.toFixed(1) : Math.round(percent).toString()} %`;
}

/** A pipeline's runs, oldest first: one bar per run (its duration), coloured by its status; `ids` for links. */
export function runHistory(runs: Schemas['RunPointDto'][], palette: Palette): BarData & { ids: number[] } {
  return {
    labels: runs.map((run) => `#${String(run.id)}`),
    ids: runs.map((run) => run.id),
    series: [
      {
        label: 'duration',
        values: runs.map((run) => run.duration_seconds ?? 0),
        color: runs.map((run) => statusColor(palette, run.status)),
      },
    ],
  };
}

/** Each block's median and 90th percentile durations. */
export function blockDurations(blocks: Schemas['BlockDurationDto'][], palette: Palette): BarData {
  return {
    labels: blocks.map((block) => block.block),
    series: [
      { label: 'median', values: blocks.map((block) => block.median_seconds), color: palette.tones.info },
      { label: '90th percentile', values: blocks.map((block) => block.p90_seconds), color: palette.tones.warning },
    ],
  };
}
