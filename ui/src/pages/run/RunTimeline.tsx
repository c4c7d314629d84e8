// The run timeline: each block run on a time axis (waiting from queued to started, then running until it ended), a
// dynamic child's instances in one row with their counts, expandable into one row per instance (read 1,000 at a time
// and drawn only as far as they are scrolled into view). Read every second while the run goes.
import { useMemo, useState } from 'react';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { useInstances } from '../../api/runs';
import { useTimeline } from '../../api/stats';
import type { BlockRun } from '../../api/client';
import { ErrorAlert } from '../../components/ui';
import { isFinished, statusLabel, statusTone } from '../../lib/blockTypes';
import { formatDateTime, formatDuration } from '../../lib/format';
import { barGeometry, formatOffset, ticks, timelineBounds, timelineRows, visibleRange, type TimelineRow } from '../../lib/timeline';
import { useNow } from '../../lib/useNow';
import '../overview/overview.css';

const ROW = 28;
const VIEW = 420;
const PAGE = 1000;

export function RunTimeline({
  runId,
  selected,
  onSelect,
}: {
  runId: number;
  /** The block run the page shows (highlighted). */
  selected: string | null;
  onSelect: (block: string, row?: BlockRun) => void;
}) {
  const timeline = useTimeline(runId);
  const finished = timeline.data ? isFinished(timeline.data.status) : false;
  const [expanded, setExpanded] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const instances = useInstances(runId, expanded ?? '', { offset, limit: PAGE }, finished, { enabled: expanded != null });
  const [scrollTop, setScrollTop] = useState(0);
  const now = useNow(!finished);

  const rows = useMemo(
    () => (timeline.data ? timelineRows(timeline.data, expanded, expanded ? (instances.data ?? []) : []) : []),
    [timeline.data, expanded, instances.data],
  );
  if (timeline.error) return <ErrorAlert error={timeline.error} title="Could not load the timeline" onRetry={() => void timeline.refetch()} />;
  if (!timeline.data) return null;
  // A running run's bars end at the server's clock, moved on by the browser's since it was read.
  const serverNow = Date.parse(timeline.data.now) + Math.max(0, now - timeline.dataUpdatedAt);
  const bounds = timelineBounds(timeline.data, rows, serverNow);
  const [first, last] = visibleRange(rows.length, ROW, scrollTop, VIEW);
  const expandedTotal = rows.find((row) => row.key === expanded)?.group?.total ?? 0;

  const toggle = (block: string) => {
    setExpanded((current) => (current === block ? null : block));
    setOffset(0);
  };

  return (
    <section className="card timeline" aria-label="Timeline" data-testid="run-timeline">
      <div className="card__header">
        <h2>Timeline</h2>
        <span className="timeline__legend muted small">
          <span className="timeline__swatch timeline__swatch--wait" /> waiting for a worker
          <span className="timeline__swatch timeline__swatch--run" /> running (colour: status)
        </span>
        {expanded && expandedTotal > PAGE && (
          <span className="timeline__pager small">
            instances {offset + 1}–{Math.min(offset + PAGE, expandedTotal)} of {expandedTotal}
            <button type="button" className="btn btn--ghost btn--sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <button type="button" className="btn btn--ghost btn--sm" disabled={offset + PAGE >= expandedTotal} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </span>
        )}
      </div>
      <div className="timeline__axis" aria-hidden="true">
        <div />
        <div className="timeline__ticks">
          {ticks(bounds).map((tick) => (
            <span key={tick.at} style={{ left: `${String(tick.at)}%` }}>
              {tick.label}
            </span>
          ))}
        </div>
      </div>
      <div className="timeline__scroll" style={{ maxHeight: VIEW }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} role="list">
        <div style={{ height: rows.length * ROW, position: 'relative' }}>
          {rows.slice(first, last).map((row, i) => (
            <TimelineLine
              key={row.key}
              row={row}
              selected={row.key === selected}
              top={(first + i) * ROW}
              geometry={barGeometry(row, bounds, serverNow)}
              start={bounds.start}
              now={serverNow}
              onClick={() => {
                if (row.group) toggle(row.block);
                else onSelect(row.instance ? row.instance.block_uuid : row.block, row.instance);
              }}
            />
          ))}
        </div>
      </div>
    </section>
  );
}

function TimelineLine({
  row,
  selected,
  top,
  geometry,
  start,
  now,
  onClick,
}: {
  row: TimelineRow;
  selected: boolean;
  top: number;
  geometry: ReturnType<typeof barGeometry>;
  start: number;
  now: number;
  onClick: () => void;
}) {
  const tone = statusTone(row.status);
  const waited = row.queued != null && row.started != null ? (row.started - row.queued) / 1000 : null;
  const ran = row.started != null ? ((row.ended ?? (isFinished(row.status) ? row.started : now)) - row.started) / 1000 : null;
  const title = [
    `${row.label}: ${statusLabel(row.status)}`,
    row.queued != null && `queued ${formatDateTime(new Date(row.queued).toISOString())} (+${formatOffset(row.queued - start)})`,
    row.started != null && `started ${formatDateTime(new Date(row.started).toISOString())} (+${formatOffset(row.started - start)})`,
    row.ended != null && `ended ${formatDateTime(new Date(row.ended).toISOString())}`,
    waited != null && `waited ${formatDuration(waited)}`,
    ran != null && `ran ${formatDuration(ran)}`,
  ]
    .filter(Boolean)
    .join('\n');
  const counts = row.group
    ? Object.entries(row.group.counts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${String(n)} ${statusLabel(status as TimelineRow['status'])}`)
        .join(' · ')
    : '';
  return (
    <div
      className={`timeline__row${row.depth ? ' timeline__row--child' : ''}${selected ? ' is-selected' : ''}`}
      style={{ top, height: ROW }}
      role="listitem"
      title={title}
      aria-current={selected || undefined}
    >
      <button type="button" className="timeline__label" onClick={onClick} aria-expanded={row.group ? row.group.expanded : undefined}>
        {row.group ? row.group.expanded ? <ChevronDown size={14} /> : <ChevronRight size={14} /> : null}
        <span className="timeline__name mono">{row.label}</span>
        {row.group && (
          <span className="timeline__count muted small" title={counts}>
            {row.group.total} instances
          </span>
        )}
      </button>
      <div className="timeline__track">
        {geometry.wait && <div className="timeline__bar timeline__bar--wait" style={{ left: `${String(geometry.wait.left)}%`, width: `${String(geometry.wait.width)}%` }} />}
        {geometry.run && (
          <div
            className={`timeline__bar timeline__bar--${tone}${row.ended == null && !isFinished(row.status) ? ' is-live' : ''}`}
            style={{ left: `${String(geometry.run.left)}%`, width: `${String(geometry.run.width)}%` }}
          />
        )}
        {row.group && <span className="timeline__counts small">{counts}</span>}
      </div>
    </div>
  );
}
