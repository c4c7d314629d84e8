// A pipeline's backfills: each with its status, a progress bar (runs by status), cancel, retry and delete, and its
// runs (links to the run pages) when opened.
import { useState } from 'react';
import { Link } from 'react-router';
import type { Backfill } from '../../api/client';
import { useBackfillRuns, useCancelBackfill, useDeleteBackfill, useRetryBackfill } from '../../api/backfills';
import { ConfirmDialog, Empty, ErrorAlert, StatusBadge } from '../../components/ui';
import { formatDateTime } from '../../lib/format';

export function BackfillList({ backfills, denied }: { backfills: Backfill[]; denied: string | null }) {
  const [open, setOpen] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<Backfill | null>(null);
  const cancel = useCancelBackfill();
  const retry = useRetryBackfill();
  const remove = useDeleteBackfill();
  if (backfills.length === 0) return <Empty title="No backfills yet">A backfill runs the pipeline once per date of a range, or once per variable set.</Empty>;
  return (
    <>
      <ErrorAlert error={cancel.error ?? retry.error ?? remove.error} title="Could not change the backfill" />
      <div className="table-wrap">
        <table className="table" data-testid="backfills-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Started</th>
              <th style={{ width: 1 }} />
            </tr>
          </thead>
          <tbody>
            {backfills.map((backfill) => {
              const open_ = backfill.status === 'initial' || backfill.status === 'running';
              const p = backfill.progress;
              const done = p.completed + p.failed + p.cancelled;
              return (
                <tr key={backfill.id} data-testid={`backfill-row-${String(backfill.id)}`}>
                  <td>
                    <button type="button" className="btn btn--ghost btn--sm" onClick={() => setOpen(open === backfill.id ? null : backfill.id)} aria-expanded={open === backfill.id}>
                      {backfill.name}
                    </button>
                    {open === backfill.id && <BackfillRuns id={backfill.id} />}
                  </td>
                  <td>
                    <StatusBadge status={backfill.status} />
                  </td>
                  <td>
                    <ProgressBar backfill={backfill} />
                    <div className="cell-muted small" data-testid="backfill-progress">
                      {done} of {p.total} done · {p.completed} completed · {p.running} running · {p.initial} waiting
                      {p.failed > 0 && ` · ${String(p.failed)} failed`}
                      {p.cancelled > 0 && ` · ${String(p.cancelled)} cancelled`}
                      {backfill.run_limit != null && ` · at most ${String(backfill.run_limit)} at once`}
                    </div>
                  </td>
                  <td className="nowrap">{formatDateTime(backfill.started_at)}</td>
                  <td>
                    <div className="row nowrap">
                      {open_ ? (
                        <button type="button" className="btn btn--sm" disabled={!!denied || cancel.isPending} title={denied ?? undefined} onClick={() => cancel.mutate({ id: backfill.id })}>
                          Cancel
                        </button>
                      ) : (
                        <>
                          <button
                            type="button"
                            className="btn btn--sm"
                            disabled={!!denied || retry.isPending || p.failed + p.cancelled === 0}
                            title={denied ?? (p.failed + p.cancelled === 0 ? 'Nothing failed or was cancelled' : undefined)}
                            onClick={() => retry.mutate({ id: backfill.id })}
                          >
                            Retry
                          </button>
                          <button type="button" className="btn btn--sm btn--ghost" disabled={!!denied} title={denied ?? undefined} onClick={() => setDeleting(backfill)}>
                            Delete
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {deleting && (
        <ConfirmDialog
          title={`Delete backfill “${deleting.name}”?`}
          confirmLabel="Delete"
          onConfirm={() => {
            remove.mutate({ id: deleting.id });
            setDeleting(null);
          }}
          onClose={() => setDeleting(null)}
        >
          Its runs stay in the run history.
        </ConfirmDialog>
      )}
    </>
  );
}

/** Completed, failed, cancelled and running runs as segments of one bar. */
function ProgressBar({ backfill }: { backfill: Backfill }) {
  const p = backfill.progress;
  const part = (count: number) => `${String(p.total > 0 ? (100 * count) / p.total : 0)}%`;
  return (
    <div className="backfill-bar" role="progressbar" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.completed} aria-label={`${backfill.name} progress`}>
      <span className="backfill-bar__completed" style={{ width: part(p.completed) }} />
      <span className="backfill-bar__failed" style={{ width: part(p.failed) }} />
      <span className="backfill-bar__cancelled" style={{ width: part(p.cancelled) }} />
      <span className="backfill-bar__running" style={{ width: part(p.running) }} />
    </div>
  );
}

function BackfillRuns({ id }: { id: number }) {
  const runs = useBackfillRuns(id, { refetchInterval: 3_000 });
  return (
    <ul className="backfill-runs small" data-testid="backfill-runs">
      {(runs.data ?? []).map((run) => (
        <li key={run.id}>
          <Link to={`/runs/${String(run.id)}`}>#{run.id}</Link> {formatDateTime(run.execution_date)} <StatusBadge status={run.status} />
        </li>
      ))}
    </ul>
  );
}
