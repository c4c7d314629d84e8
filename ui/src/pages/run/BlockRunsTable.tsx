// A run's block runs as a table: status (and when a waiting sensor checks next), start, duration, attempts; under a
// dynamic child, its children (run/DynamicChildren.tsx). A click selects a block run.
import { Fragment, useState } from 'react';
import type { BlockRun } from '../../api/client';
import { ErrorAlert, Loading, StatusBadge } from '../../components/ui';
import { elapsedSeconds, formatDuration } from '../../lib/format';
import { type BlockGroup, DynamicChildren } from './DynamicChildren';

function blockRunDuration(b: BlockRun, now: number): number | null {
  if (b.duration_seconds != null) return b.duration_seconds;
  // A waiting sensor holds no process between its checks: nothing runs, so no time counts.
  if (b.waiting_until) return null;
  return elapsedSeconds(b.started_at, b.completed_at, now);
}

/** HH:MM:SS in the browser's zone: when a waiting sensor is checked next. */
function clockTime(value: string): string {
  return new Date(value).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export function BlockRunsTable({
  runId,
  runFinished,
  blockRuns: brs,
  groups,
  loading,
  error,
  selected,
  now,
  onSelect,
}: {
  runId: number;
  runFinished: boolean;
  blockRuns: BlockRun[];
  /** The dynamic children's instance counts, by block. */
  groups: BlockGroup[];
  loading: boolean;
  error: unknown;
  selected: string | null;
  now: number;
  /** A block run chosen: by name, with the row itself for an instance (not among `blockRuns`). */
  onSelect: (block: string, instance?: BlockRun) => void;
}) {
  const [folded, setFolded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (block: string) =>
    setFolded((prev) => {
      const next = new Set(prev);
      if (next.has(block)) next.delete(block);
      else next.add(block);
      return next;
    });
  return (
    <div className="table-wrap">
      <ErrorAlert error={error} title="Could not load the block runs" />
      <table className="table table--compact" data-testid="block-runs-table">
        <thead>
          <tr>
            <th>Block</th>
            <th>Status</th>
            <th>Started</th>
            <th className="num">Duration</th>
            <th className="num" title="Attempts">Tries</th>
          </tr>
        </thead>
        <tbody>
          {brs.map((b) => {
            const group = groups.find((g) => g.block === b.block_uuid);
            const open = !!group && !folded.has(b.block_uuid);
            return (
              <Fragment key={b.id}>
                <tr
                  className={`is-clickable${b.block_uuid === selected ? ' is-selected' : ''}`}
                  onClick={() => onSelect(b.block_uuid)}
                  data-testid={`block-run-${b.block_uuid}`}
                >
                  <td className="mono">
                    {b.block_uuid}
                    {group && (
                      <button
                        type="button"
                        className="dynamic-toggle"
                        aria-expanded={open}
                        title={open ? 'Hide its children' : 'Show its children'}
                        onClick={(e) => {
                          e.stopPropagation();
                          toggle(b.block_uuid);
                        }}
                        data-testid={`children-toggle-${b.block_uuid}`}
                      >
                        {open ? '▾' : '▸'} {group.total.toLocaleString()} {group.total === 1 ? 'child' : 'children'}
                      </button>
                    )}
                  </td>
                  <td>
                    <StatusBadge status={b.status} />
                    {b.waiting_until && (
                      <span className="cell-muted" data-testid="sensor-waiting">
                        {' '}
                        waiting — next check at {clockTime(b.waiting_until)}
                      </span>
                    )}
                  </td>
                  <td className="nowrap cell-muted">{b.started_at ? new Date(b.started_at).toLocaleTimeString() : '—'}</td>
                  <td className="num" data-testid="block-duration">
                    {formatDuration(blockRunDuration(b, now))}
                  </td>
                  <td className="num">{b.attempt}</td>
                </tr>
                {group && open && (
                  <tr className="dynamic-row">
                    <td colSpan={5}>
                      <DynamicChildren
                        runId={runId}
                        group={group}
                        runFinished={runFinished}
                        selected={selected}
                        now={now}
                        onSelect={(instance) => onSelect(instance.block_uuid, instance)}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {loading && <Loading what="Loading block runs" />}
    </div>
  );
}
