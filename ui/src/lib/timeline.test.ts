import { describe, expect, it } from 'vitest';
import type { BlockRun, Schemas } from '../api/client';
import { barGeometry, formatOffset, groupStatus, ticks, timelineBounds, timelineRows, visibleRange } from './timeline';

const T0 = Date.parse('2026-03-09T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function timeline(status: Schemas['RunStatus'], blocks: Schemas['TimelineBlockDto'][], completed: number | null = null): Schemas['TimelineDto'] {
  return { run_id: 1, status, created_at: at(0), started_at: at(1), completed_at: completed == null ? null : at(completed), now: at(60), blocks };
}

const block = (uuid: string, status: Schemas['BlockRunStatus'], q: number | null, s: number | null, e: number | null): Schemas['TimelineBlockDto'] => ({
  block_uuid: uuid,
  status,
  attempt: s == null ? 0 : 1,
  queued_at: q == null ? null : at(q),
  started_at: s == null ? null : at(s),
  completed_at: e == null ? null : at(e),
  instances: null,
});

function instance(index: number, status: BlockRun['status'], s: number | null, e: number | null): BlockRun {
  return {
    id: 100 + index,
    block_uuid: `square:${String(index)}`,
    block: 'square',
    dynamic_block_index: index,
    status,
    attempt: 1,
    queued_at: s == null ? null : at(s - 1),
    started_at: s == null ? null : at(s),
    completed_at: e == null ? null : at(e),
    duration_seconds: null,
    error: null,
    waiting_until: null,
  };
}

describe('timelineRows', () => {
  const dynamic: Schemas['TimelineBlockDto'] = {
    ...block('square', 'completed', null, 10, 10),
    instances: { total: 1000, counts: { completed: 998, running: 1, failed: 1 }, first_queued_at: at(10), first_started_at: at(11), last_completed_at: at(40) },
  };
  const t = timeline('running', [block('load', 'completed', 2, 3, 10), dynamic, block('total', 'initial', null, null, null)]);

  it('gives one row per block, a dynamic child’s instances collapsed into one with their counts', () => {
    const rows = timelineRows(t, null, []);
    expect(rows.map((r) => [r.label, r.depth, r.status])).toEqual([
      ['load', 0, 'completed'],
      ['square', 0, 'running'],
      ['total', 0, 'initial'],
    ]);
    const group = rows[1];
    expect(group?.group).toEqual({ total: 1000, counts: { completed: 998, running: 1, failed: 1 }, expanded: false });
    expect([group?.queued, group?.started, group?.ended]).toEqual([T0 + 10_000, T0 + 11_000, null]);
  });

  it('lists the instances read below their expanded child', () => {
    const rows = timelineRows(t, 'square', [instance(0, 'completed', 11, 12), instance(1, 'running', 12, null)]);
    expect(rows.map((r) => [r.label, r.depth])).toEqual([
      ['load', 0],
      ['square', 0],
      ['square:0', 1],
      ['square:1', 1],
      ['total', 0],
    ]);
    expect(rows[1]?.group?.expanded).toBe(true);
    expect(rows[3]?.instance?.block_uuid).toBe('square:1');
  });

  it('ends a group’s bar once all its instances are over', () => {
    const done = timeline('completed', [{ ...dynamic, instances: { ...dynamic.instances!, counts: { completed: 1000 } } }], 41);
    expect(timelineRows(done, null, [])[0]?.ended).toBe(T0 + 40_000);
  });
});

describe('groupStatus', () => {
  it('shows the most telling status of the instances', () => {
    expect(groupStatus({ completed: 5, running: 1 })).toBe('running');
    expect(groupStatus({ completed: 5, failed: 1 })).toBe('failed');
    expect(groupStatus({ completed: 5 })).toBe('completed');
    expect(groupStatus({})).toBe('initial');
  });
});

describe('timelineBounds and barGeometry', () => {
  it('spans from the run’s creation to now while it runs, and to its end after', () => {
    const t = timeline('running', [block('load', 'running', 10, 20, null)]);
    const rows = timelineRows(t, null, []);
    expect(timelineBounds(t, rows, T0 + 100_000)).toEqual({ start: T0, end: T0 + 100_000 });
    const over = timeline('completed', [block('load', 'completed', 10, 20, 50)], 51);
    expect(timelineBounds(over, timelineRows(over, null, []), T0 + 999_000)).toEqual({ start: T0, end: T0 + 51_000 });
  });

  it('draws waiting from queued to started and running from started to the end, or to now', () => {
    const bounds = { start: T0, end: T0 + 100_000 };
    const [done] = timelineRows(timeline('running', [block('load', 'completed', 10, 20, 50)]), null, []);
    expect(barGeometry(done!, bounds, T0 + 100_000)).toEqual({ wait: { left: 10, width: 10 }, run: { left: 20, width: 30 } });
    const [running] = timelineRows(timeline('running', [block('load', 'running', 10, 20, null)]), null, []);
    expect(barGeometry(running!, bounds, T0 + 80_000)).toEqual({ wait: { left: 10, width: 10 }, run: { left: 20, width: 60 } });
    const [waiting] = timelineRows(timeline('running', [block('load', 'queued', 30, null, null)]), null, []);
    expect(barGeometry(waiting!, bounds, T0 + 40_000)).toEqual({ wait: { left: 30, width: 10 }, run: null });
    const [never] = timelineRows(timeline('running', [block('load', 'initial', null, null, null)]), null, []);
    expect(barGeometry(never!, bounds, T0 + 40_000)).toEqual({ wait: null, run: null });
  });

  it('keeps an instant visible', () => {
    const [instant] = timelineRows(timeline('completed', [block('load', 'completed', null, 20, 20)], 30), null, []);
    expect(barGeometry(instant!, { start: T0, end: T0 + 100_000 }, T0)).toEqual({ wait: null, run: { left: 20, width: 0.4 } });
  });
});

describe('ticks', () => {
  it('takes a round step for about six marks', () => {
    expect(ticks({ start: 0, end: 60_000 }).map((t) => t.label)).toEqual(['0 s', '10 s', '20 s', '30 s', '40 s', '50 s', '1 m']);
    expect(ticks({ start: 0, end: 3_600_000 }).map((t) => t.label)).toEqual(['0 s', '10 m', '20 m', '30 m', '40 m', '50 m', '1 h']);
    expect(ticks({ start: 0, end: 470 }).map((t) => t.label)).toEqual(['0 s', '100 ms', '200 ms', '300 ms', '400 ms']);
  });

  it('formats offsets', () => {
    expect([formatOffset(0), formatOffset(200), formatOffset(1500), formatOffset(90_000), formatOffset(3_900_000)]).toEqual([
      '0 s',
      '200 ms',
      '1.5 s',
      '1 m 30 s',
      '1 h 05 m',
    ]);
  });
});

describe('visibleRange', () => {
  it('draws only the rows in view, and a few more', () => {
    expect(visibleRange(1000, 28, 0, 420, 8)).toEqual([0, 23]);
    expect(visibleRange(1000, 28, 28 * 500, 420, 8)).toEqual([492, 523]);
    expect(visibleRange(10, 28, 0, 420, 8)).toEqual([0, 10]);
  });
});
