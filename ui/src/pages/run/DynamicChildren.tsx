// The instances of one dynamic child in a run: how many in each status (chips that filter), and one page of them at a
// time (name, index, status, duration, error); a click selects an instance like any block run. Only the counts and
// the page shown are fetched, so a child with 10,000 instances costs what one with 50 does.
import { useState } from 'react';
import type { BlockRun, BlockRunStatus, Schemas } from '../../api/client';
import { useInstances } from '../../api/runs';
import { ErrorAlert, StatusBadge } from '../../components/ui';
import { statusLabel, statusTone } from '../../lib/blockTypes';
import { elapsedSeconds, formatDuration } from '../../lib/format';

export type BlockGroup = Schemas['BlockGroupDto'];

export const INSTANCE_PAGE = 50;

/** The order of the status chips: what needs attention first. */
const CHIP_ORDER: BlockRunStatus[] = ['failed', 'upstream_failed', 'condition_failed', 'running', 'queued', 'initial', 'completed', 'cancelled'];

export function DynamicChildren({
  runId,
  group,
  runFinished,
  selected,
  now,
  onSelect,
}: {
  runId: number;
  group: BlockGroup;
  runFinished: boolean;
  selected: string | null;
  now: number;
  onSelect: (instance: BlockRun) => void;
}) {
  const [status, setStatus] = useState<BlockRunStatus | undefined>(undefined);
  const [page, setPage] = useState(0);
  const total = status ? (group.counts[status] ?? 0) : group.total;
  const pages = Math.max(1, Math.ceil(total / INSTANCE_PAGE));
  const current = Math.min(page, pages - 1);
  const offset = current * INSTANCE_PAGE;
  const instances = useInstances(runId, group.block, { status, offset, limit: INSTANCE_PAGE }, runFinished);
  const rows = instances.data ?? [];
  const filter = (next: BlockRunStatus | undefined) => {
    setStatus(next);
    setPage(0);
  };

  return (
    <div className="dynamic-children" data-testid={`dynamic-children-${group.block}`}>
      <div className="dynamic-children__chips" role="group" aria-label={`Children of ${group.block} by status`}>
        <button type="button" className={`status-chip${status ? '' : ' is-active'}`} onClick={() => filter(undefined)} data-testid="children-all">
          all <b>{group.total.toLocaleString()}</b>
        </button>
        {CHIP_ORDER.filter((s) => (group.counts[s] ?? 0) > 0).map((s) => (
          <button
            key={s}
            type="button"
            className={`status-chip status-chip--${statusTone(s)}${status === s ? ' is-active' : ''}`}
            onClick={() => filter(status === s ? undefined : s)}
            data-testid={`children-${s}`}
          >
            {statusLabel(s)} <b>{(group.counts[s] ?? 0).toLocaleString()}</b>
          </button>
        ))}
        {pages > 1 && (
          <div className="pager row small dynamic-children__pager" data-testid="children-pager">
            <button type="button" className="btn btn--sm" disabled={current === 0} onClick={() => setPage(current - 1)}>
              ‹ Previous
            </button>
            <span className="muted" data-testid="children-range">
              {(offset + 1).toLocaleString()}–{Math.min(offset + INSTANCE_PAGE, total).toLocaleString()} of {total.toLocaleString()}
            </span>
            <button type="button" className="btn btn--sm" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
              Next ›
            </button>
          </div>
        )}
      </div>
      <ErrorAlert error={instances.error} title="Could not load the children" />
      <table className="table table--compact table--nested" data-testid={`instances-${group.block}`}>
        <thead>
          <tr>
            <th>Child</th>
            <th className="num">Index</th>
            <th>Status</th>
            <th className="num">Duration</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr
              key={b.id}
              className={`is-clickable${b.block_uuid === selected ? ' is-selected' : ''}`}
              onClick={() => onSelect(b)}
              data-testid={`block-run-${b.block_uuid}`}
            >
              <td className="mono">{b.block_uuid}</td>
              <td className="num">{b.dynamic_block_index ?? '—'}</td>
              <td>
                <StatusBadge status={b.status} />
              </td>
              <td className="num">{formatDuration(b.duration_seconds ?? elapsedSeconds(b.started_at, b.completed_at, now))}</td>
              <td className="cell-muted cell-clip" title={b.error ?? undefined}>
                {b.error ?? ''}
              </td>
            </tr>
          ))}
          {rows.length === 0 && !instances.isPending && (
            <tr>
              <td colSpan={5} className="cell-muted">
                No children{status ? ` ${statusLabel(status)}` : ''}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
