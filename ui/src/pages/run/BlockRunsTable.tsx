// A run's block runs as a table: status (and when a waiting sensor checks next), start, duration, attempts; a click
// selects a block.
import type { BlockRun } from '../../api/client';
import { ErrorAlert, Loading, StatusBadge } from '../../components/ui';
import { elapsedSeconds, formatDuration } from '../../lib/format';

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
  blockRuns: brs,
  loading,
  error,
  selected,
  now,
  onSelect,
}: {
  blockRuns: BlockRun[];
  loading: boolean;
  error: unknown;
  selected: string | null;
  now: number;
  onSelect: (block: string) => void;
}) {
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
          {brs.map((b) => (
            <tr
              key={b.id}
              className={`is-clickable${b.block_uuid === selected ? ' is-selected' : ''}`}
              onClick={() => onSelect(b.block_uuid)}
              data-testid={`block-run-${b.block_uuid}`}
            >
              <td className="mono">{b.block_uuid}</td>
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
          ))}
        </tbody>
      </table>
      {loading && <Loading what="Loading block runs" />}
    </div>
  );
}
