// A run's actions: cancel it while it runs; once it is over, retry its failed blocks or retry from the selected block.
import { useState } from 'react';
import { Link } from 'react-router';
import { CircleStop, RotateCcw } from 'lucide-react';
import { useAccess } from '../../api/auth';
import type { Run } from '../../api/client';
import { useCancelRun, useRetryRun } from '../../api/runs';
import { Spinner } from '../../components/ui';

export function RunActions({
  run: r,
  finished,
  selected,
  onError,
}: {
  run: Run;
  finished: boolean;
  selected: string | null;
  /** Called with the error of a failed action, and with null when an action starts. */
  onError: (error: unknown) => void;
}) {
  const cancel = useCancelRun(r.id);
  const retry = useRetryRun(r.id);
  const [acting, setActing] = useState<null | 'cancel' | 'retry' | 'retry-from'>(null);
  const denied = useAccess().denied('editor', 'Cancelling or retrying a run');

  const act = async (kind: 'cancel' | 'retry' | 'retry-from') => {
    setActing(kind);
    onError(null);
    try {
      if (kind === 'cancel') await cancel.mutateAsync();
      else await retry.mutateAsync({ fromBlock: kind === 'retry-from' && selected ? selected : undefined });
    } catch (e) {
      onError(e);
    } finally {
      setActing(null);
    }
  };

  return (
    <div className="page-header__actions">
      {!finished && (
        <button type="button" className="btn btn--danger" disabled={!!acting || !!denied} title={denied ?? undefined} onClick={() => void act('cancel')}>
          {acting === 'cancel' ? <Spinner /> : <CircleStop />} Cancel run
        </button>
      )}
      <button
        type="button"
        className="btn"
        disabled={!finished || !!acting || r.status === 'completed' || !!denied}
        title={denied ?? (r.status === 'completed' ? 'Every block completed' : !finished ? 'The run is not over' : undefined)}
        onClick={() => void act('retry')}
      >
        {acting === 'retry' ? <Spinner /> : <RotateCcw />} Retry failed blocks
      </button>
      <button
        type="button"
        className="btn"
        disabled={!finished || !!acting || !selected || !!denied}
        onClick={() => void act('retry-from')}
        title={denied ?? (selected ? `Runs ${selected} and every block below it again` : 'Select a block')}
      >
        {acting === 'retry-from' ? <Spinner /> : <RotateCcw />} Retry from {selected ?? 'selected block'}
      </button>
      <Link className="btn" to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/edit`}>
        Open pipeline
      </Link>
    </div>
  );
}
