// The card of a run's facts: pipeline, trigger, execution date, start, end, duration (ticking while it runs) and
// variables.
import { Link } from 'react-router';
import type { Run } from '../../api/client';
import { elapsedSeconds, formatDateTime, formatDuration } from '../../lib/format';

export function RunSummary({ run: r, triggerName, now }: { run: Run; triggerName: string | null; now: number }) {
  const variables = Object.keys(r.variables ?? {}).length ? JSON.stringify(r.variables) : null;
  return (
    <div className="card">
      <dl className="run-summary">
        <div>
          <dt>Pipeline</dt>
          <dd>
            <Link to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/edit`}>{r.pipeline_uuid}</Link>
          </dd>
        </div>
        <div>
          <dt>Trigger</dt>
          <dd>{triggerName ? <Link to={`/triggers/${String(r.trigger_id)}`}>{triggerName}</Link> : 'Manual'}</dd>
        </div>
        <div>
          <dt>Execution date</dt>
          <dd>{formatDateTime(r.execution_date)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(r.started_at)}</dd>
        </div>
        <div>
          <dt>Completed</dt>
          <dd>{formatDateTime(r.completed_at)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd data-testid="run-duration">{formatDuration(r.duration_seconds ?? elapsedSeconds(r.started_at, r.completed_at, now))}</dd>
        </div>
        {variables && (
          <div>
            <dt>Variables</dt>
            <dd className="mono small">{variables}</dd>
          </div>
        )}
      </dl>
    </div>
  );
}
