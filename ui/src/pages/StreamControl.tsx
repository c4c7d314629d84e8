// A streaming pipeline's compact control, in the header of its pages: "Running · run #N" (a link) or "Stopped", and
// Start / Stop / Restart. Nothing for a pipeline that is not streaming (or whose state cannot be read).
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { CirclePlay, CircleStop, RotateCcw } from 'lucide-react';
import { useAccess } from '../api/auth';
import { usePipelineStream, useStreamAction } from '../api/stream';
import type { StreamAction } from '../api/client';
import { ErrorAlert, Spinner } from '../components/ui';

export function StreamControl({ uuid }: { uuid: string }) {
  const stream = usePipelineStream(uuid);
  const action = useStreamAction(uuid);
  const [acting, setActing] = useState<StreamAction | null>(null);
  const denied = useAccess().denied('editor', 'Starting or stopping a stream');
  const data = stream.data;
  if (!data?.streaming) return null;
  const running = data.running;

  const act = async (kind: StreamAction) => {
    setActing(kind);
    try {
      await action.mutateAsync(kind);
    } catch {
      // Shown below from the mutation's error.
    } finally {
      setActing(null);
    }
  };
  const button = (kind: StreamAction, label: string, icon: ReactNode, disabledWhy: string | null) => (
    <button
      type="button"
      className={kind === 'stop' ? 'btn btn--sm btn--danger' : 'btn btn--sm'}
      disabled={!!acting || !!denied || !!disabledWhy}
      title={denied ?? disabledWhy ?? undefined}
      onClick={() => void act(kind)}
    >
      {acting === kind ? <Spinner /> : icon} {label}
    </button>
  );

  return (
    <div className="page-header__actions" aria-label="Stream" data-testid="stream-control">
      <span className="small">
        Stream:{' '}
        {running ? (
          <>
            Running · <Link to={`/runs/${String(running.id)}`}>run #{running.id}</Link>
          </>
        ) : (
          'Stopped'
        )}
      </span>
      {button('start', 'Start', <CirclePlay />, running ? 'The stream is running' : null)}
      {button('stop', 'Stop', <CircleStop />, running ? null : 'The stream is stopped')}
      {button('restart', 'Restart', <RotateCcw />, null)}
      {action.error != null && acting == null && <ErrorAlert error={action.error} title="The stream did not change" />}
    </div>
  );
}
