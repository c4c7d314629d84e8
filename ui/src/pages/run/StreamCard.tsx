// The Stream card of the run page, for a streaming pipeline's run: messages in, out per sink, lag, errors and the
// last message, as the pipeline's process last reported them (every second while it runs).
import { Fragment } from 'react';
import { useRunStream } from '../../api/stream';
import { ErrorAlert } from '../../components/ui';
import { formatDateTime } from '../../lib/format';

/** Nothing for a run that is not a streaming pipeline's. */
export function StreamCard({ runId, live }: { runId: number; live: boolean }) {
  const stream = useRunStream(runId, live);
  const data = stream.data;
  if (!data?.streaming) {
    return stream.error ? <ErrorAlert error={stream.error} title="Could not load the stream's counters" /> : null;
  }
  const sinks = Object.entries(data.messages_out ?? {});
  const duplicates = Object.entries(data.duplicates ?? {}).filter(([, count]) => count > 0);
  return (
    <section className="card" aria-label="Stream" data-testid="run-stream">
      <div className="card__header">
        <h2>Stream</h2>
        {data.state && <span className="small">{data.state}</span>}
      </div>
      <div className="card__body">
        <dl className="info-list" aria-label="Stream counters">
            <dt>Messages in</dt>
            <dd data-testid="stream-in">{data.messages_in}</dd>
          {sinks.map(([sink, count]) => (
            <Fragment key={sink}>
              <dt>
                Out to <span className="mono">{sink}</span>
              </dt>
              <dd>{count}</dd>
            </Fragment>
          ))}
          {duplicates.map(([sink, count]) => (
            <Fragment key={sink}>
              <dt>
                Held twice in <span className="mono">{sink}</span>
              </dt>
              <dd data-testid="stream-duplicates" title="Written before a restart, delivered again: this sink has no unique key">
                {count}
              </dd>
            </Fragment>
          ))}
            <dt>Lag</dt>
            <dd>{data.lag ?? '—'}</dd>
            <dt>Errors</dt>
            <dd>{data.errors}</dd>
            <dt>Last message</dt>
            <dd>{data.last_message_at ? formatDateTime(data.last_message_at) : '—'}</dd>
            <dt>Attempts</dt>
            <dd>{data.attempts}</dd>
        </dl>
        {data.last_error && <p className="small mono">Last error: {data.last_error}</p>}
      </div>
    </section>
  );
}
