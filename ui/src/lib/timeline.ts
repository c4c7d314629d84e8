// The run timeline's rows and geometry: each block run on a time axis from the run's creation to its end (or now),
// a dynamic child's instances summed up in one row and, when expanded, listed below it. Pure functions, tested
// without a browser.
import type { BlockRun, BlockRunStatus, Schemas } from '../api/client';
import { isFinished } from './blockTypes';

type Timeline = Schemas['TimelineDto'];

/** One row: a block run, a dynamic child's instances together (`group`), or one instance (`depth` 1). */
export interface TimelineRow {
  key: string;
  label: string;
  block: string;
  depth: 0 | 1;
  status: BlockRunStatus;
  queued: number | null;
  started: number | null;
  /** Null while it runs (the bar ends at now). */
  ended: number | null;
  instance?: BlockRun;
  group?: { total: number; counts: Record<string, number>; expanded: boolean };
}

export interface Bounds {
  start: number;
  end: number;
}

const time = (value: string | null | undefined): number | null => {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
};

/** A group's status: the most telling of its instances' (running, failed, queued... then completed). */
export function groupStatus(counts: Record<string, number>): BlockRunStatus {
  const order: BlockRunStatus[] = ['running', 'failed', 'upstream_failed', 'queued', 'initial', 'cancelled', 'condition_failed', 'completed'];
  return order.find((status) => (counts[status] ?? 0) > 0) ?? 'initial';
}

/** The rows of `timeline`: its blocks in order, the instances of the `expanded` child (as far as read) below it. */
export function timelineRows(timeline: Timeline, expanded: string | null, instances: BlockRun[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const block of timeline.blocks) {
    const group = block.instances;
    if (group) {
      const counts = group.counts;
      const status = groupStatus(counts);
      const done = Object.entries(counts).every(([s, n]) => n === 0 || isFinished(s as BlockRunStatus));
      rows.push({
        key: block.block_uuid,
        label: block.block_uuid,
        block: block.block_uuid,
        depth: 0,
        status,
        queued: time(group.first_queued_at),
        started: time(group.first_started_at),
        ended: done ? time(group.last_completed_at) : null,
        group: { total: group.total, counts, expanded: expanded === block.block_uuid },
      });
      if (expanded === block.block_uuid) {
        for (const instance of instances) {
          rows.push({
            key: instance.block_uuid,
            label: instance.block_uuid,
            block: instance.block,
            depth: 1,
            status: instance.status,
            queued: time(instance.queued_at),
            started: time(instance.started_at),
            ended: time(instance.completed_at),
            instance,
          });
        }
      }
      continue;
    }
    rows.push({
      key: block.block_uuid,
      label: block.block_uuid,
      block: block.block_uuid,
      depth: 0,
      status: block.status,
      queued: time(block.queued_at),
      started: time(block.started_at),
      ended: time(block.completed_at),
    });
  }
  return rows;
}

/** The axis: from the run's creation to its end, or to `now` while it goes (at least a tenth of a second long). */
export function timelineBounds(timeline: Timeline, rows: TimelineRow[], now: number): Bounds {
  const created = time(timeline.created_at) ?? now;
  const marks = rows.flatMap((row) => [row.queued, row.started, row.ended]).filter((t): t is number => t != null);
  const start = Math.min(created, ...marks);
  const finished = isFinished(timeline.status);
  const last = Math.max(start, time(timeline.completed_at) ?? 0, ...marks, finished ? 0 : now);
  return { start, end: Math.max(last, start + 100) };
}

/** Where a row's bars go, in percent of the axis: waiting (queued to started) and running (started to ended). */
export interface Geometry {
  wait: { left: number; width: number } | null;
  run: { left: number; width: number } | null;
}

/** The narrowest bar drawn, in percent, so that an instant still shows. */
const MIN_WIDTH = 0.4;

export function barGeometry(row: TimelineRow, bounds: Bounds, now: number): Geometry {
  const span = bounds.end - bounds.start;
  const at = (t: number) => Math.min(100, Math.max(0, ((t - bounds.start) / span) * 100));
  const bar = (from: number, to: number) => ({ left: at(from), width: Math.max(MIN_WIDTH, at(to) - at(from)) });
  const running = !isFinished(row.status);
  const end = row.ended ?? (running ? now : row.started);
  return {
    wait: row.queued != null ? bar(row.queued, row.started ?? (running ? now : row.queued)) : null,
    run: row.started != null && end != null ? bar(row.started, end) : null,
  };
}

/** Tick marks: a round step giving about `count` of them, labelled by the time since the axis starts. */
export function ticks(bounds: Bounds, count = 6): { at: number; label: string }[] {
  const span = bounds.end - bounds.start;
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
  const step = steps.find((s) => span / s <= count) ?? Math.ceil(span / count / 86_400_000) * 86_400_000;
  const marks: { at: number; label: string }[] = [];
  for (let t = 0; t <= span; t += step) marks.push({ at: (t / span) * 100, label: formatOffset(t) });
  return marks;
}

/** `0 s`, `200 ms`, `1.5 s`, `45 s`, `2 m`, `1 m 30 s`, `1 h 05 m`. */
export function formatOffset(ms: number): string {
  if (ms > 0 && ms < 1000) return `${String(Math.round(ms))} ms`;
  if (ms < 10_000 && Math.round(ms) % 1000 !== 0) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m ? `${String(h)} h ${String(m).padStart(2, '0')} m` : `${String(h)} h`;
  if (m > 0) return s ? `${String(m)} m ${String(s).padStart(2, '0')} s` : `${String(m)} m`;
  return `${String(s)} s`;
}

/** The rows to draw for a scroll position: those in view and a few more either side. */
export function visibleRange(count: number, rowHeight: number, scrollTop: number, height: number, overscan = 8): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [first, last];
}
