// The Stream card of the run page, for a streaming pipeline's run: messages in, out per sink, lag, errors and the
// last message, as the pipeline's process last reported them (every second while it runs); Stop while the run is
// unfinished, and Start again once the pipeline is stopped (a link to the run it started).
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { CirclePlay, CircleStop } from 'lucide-react';
import { useAccess } from '../../api/auth';
import { usePipelineStream, useRunStream, useStreamAction } from '../../api/stream';
import type { StreamAction } from '../../api/client';
import { ErrorAlert, Spinner } from '../../components/ui';
import { formatDateTime } from '../../lib/format';

/** Nothing for a run that is not a streaming pipeline's. */
export function StreamCard({ runId, pipelineUuid, live }: { runId: number; pipelineUuid: string; live: boolean }) {
  const stream = useRunStream(runId, live);
  const data = stream.data;
  const pipeline = usePipelineStream(pipelineUuid, !!data?.streaming);
  const action = useStreamAction(pipelineUuid);
  const [acting, setActing] = useState<StreamAction | null>(null);
  const [started, setStarted] = useState<number | null>(null);
  const denied = useAccess().denied('editor', 'Starting or stopping a stream');
  if (!data?.streaming) {
    return stream.error ? <ErrorAlert error={stream.error} title="Could not load the stream's counters" /> : null;
  }
  const sinks = Object.entries(data.messages_out ?? {});
  const duplicates = Object.entries(data.duplicates ?? {}).filter(([, count]) => count > 0);
  // Known stopped only once the pipeline's state says so (another run of it may have started meanwhile).
  const stopped = !live && pipeline.data?.streaming === true && pipeline.data.running == null;
  const act = async (kind: StreamAction) => {
    setActing(kind);
    try {
      const change = await action.mutateAsync(kind);
      setStarted(change?.started ?? null);
    } catch {
      // Shown below from the mutation's error.
    } finally {
      setActing(null);
    }
  };
  return (
    <section className="card" aria-label="Stream" data-testid="run-stream">
      <div className="card__header">
        <h2>Stream</h2>
        {data.state && <span className="small">{data.state}</span>}
        <div className="page-header__actions">
          {live && (
            <button type="button" className="btn btn--sm btn--danger" disabled={!!acting || !!denied} title={denied ?? undefined} onClick={() => void act('stop')}>
              {acting === 'stop' ? <Spinner /> : <CircleStop />} Stop
            </button>
          )}
          {stopped && (
            <button type="button" className="btn btn--sm" disabled={!!acting || !!denied} title={denied ?? undefined} onClick={() => void act('start')}>
              {acting === 'start' ? <Spinner /> : <CirclePlay />} Start again
            </button>
          )}
          {!live && started == null && pipeline.data?.running && (
            <span className="small">
              Now running as <Link to={`/runs/${String(pipeline.data.running.id)}`}>run #{pipeline.data.running.id}</Link>
            </span>
          )}
        </div>
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
        <p className="small" data-testid="stream-one-process">
          The source, transformers and sinks run together in the source block's process: the transformers' and sinks'
          block runs stay initial while it runs and end with it.
        </p>
        {started != null && (
          <p className="small">
            Started <Link to={`/runs/${String(started)}`}>run #{started}</Link>.
          </p>
        )}
        {action.error != null && acting == null && <ErrorAlert error={action.error} title="The stream did not change" />}
      </div>
    </section>
  );
}
