// Who did what and when: a pipeline's or a run's entries of the audit trail, newest first, a page at a time.
import { useState } from 'react';
import { Link } from 'react-router';
import { useAuditPage, type AuditScope } from '../api/audit';
import { describeAction, describeActor } from '../lib/audit';
import { formatDateTime, relativeTime } from '../lib/format';
import { useNow } from '../lib/useNow';
import { Empty, ErrorAlert, Loading, Pager, Spinner } from './ui';

export function ActivityList({ scope }: { scope: AuditScope }) {
  // The current page starts below `cursor`; `stack` holds the cursors of the pages above it.
  const [stack, setStack] = useState<(number | undefined)[]>([]);
  const [cursor, setCursor] = useState<number | undefined>(undefined);
  const page = useAuditPage(scope, cursor);
  const entries = page.data?.entries ?? [];
  const nextBefore = page.data?.next_before ?? null;
  // "3 minutes ago" stays right while the page is open.
  const now = useNow(true, 30_000);
  const showRun = !('run' in scope);

  const older = () => {
    if (nextBefore == null) return;
    setStack([...stack, cursor]);
    setCursor(nextBefore);
  };
  const newer = () => {
    if (stack.length === 0) return;
    setCursor(stack[stack.length - 1]);
    setStack(stack.slice(0, -1));
  };

  return (
    <div className="form-section" style={{ gap: 12 }} data-testid="activity">
      {(stack.length > 0 || nextBefore != null) && (
        <div className="toolbar">
          {page.isFetching && <Spinner label="Refreshing" />}
          <div className="toolbar__grow" />
          <Pager number={stack.length + 1} onNewer={newer} onOlder={older} hasOlder={nextBefore != null} />
        </div>
      )}
      <ErrorAlert error={page.error} title="Could not load the activity" onRetry={() => void page.refetch()} />
      {page.isPending && <Loading what="Loading the activity" />}
      {page.data && (
        <div className="table-wrap">
          <table className="table table--compact" data-testid="activity-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                {showRun && <th>Run</th>}
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} data-testid="activity-row">
                  <td className="nowrap" title={entry.at}>
                    {formatDateTime(entry.at)} <span className="cell-muted small">{relativeTime(entry.at, now)}</span>
                  </td>
                  <td className={entry.actor.kind === 'user' || entry.actor.kind === 'token' ? '' : 'cell-muted'}>{describeActor(entry)}</td>
                  <td>{describeAction(entry)}</td>
                  {showRun && <td>{entry.run_id != null ? <Link to={`/runs/${String(entry.run_id)}`}>#{entry.run_id}</Link> : ''}</td>}
                </tr>
              ))}
            </tbody>
          </table>
          {entries.length === 0 && (
            <Empty title="No activity yet">
              <span>Changes made through Wand, and who made them, appear here. Runs a schedule starts are in the run history.</span>
            </Empty>
          )}
        </div>
      )}
    </div>
  );
}
