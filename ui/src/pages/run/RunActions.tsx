// A run's actions: cancel it while it runs; once it is over, retry its failed blocks or retry from the selected block,
// or delete it.
import { useState } from 'react';
import { Link } from 'react-router';
import { CircleStop, RotateCcw } from 'lucide-react';
import { useAccess } from '../../api/auth';
import type { Run } from '../../api/client';
import { useCancelRun, useRetryRun } from '../../api/runs';
import { Spinner } from '../../components/ui';
import { DeleteRunButton } from './DeleteRunButton';

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
  // A retry reads the outputs of the blocks above: none are left once a retention period pruned them.
  const pruned = r.outputs_pruned_at ? `The run's outputs were pruned by the retention period (${r.outputs_pruned_by ?? 'unknown'}): start a new run` : null;

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
        disabled={!finished || !!acting || r.status === 'completed' || !!denied || !!pruned}
        title={denied ?? pruned ?? (r.status === 'completed' ? 'Every block completed' : !finished ? 'The run is not over' : undefined)}
        onClick={() => void act('retry')}
      >
        {acting === 'retry' ? <Spinner /> : <RotateCcw />} Retry failed blocks
      </button>
      <button
        type="button"
        className="btn"
        disabled={!finished || !!acting || !selected || !!denied || !!pruned}
        onClick={() => void act('retry-from')}
        title={denied ?? pruned ?? (selected ? `Runs ${selected} and every block below it again` : 'Select a block')}
      >
        {acting === 'retry-from' ? <Spinner /> : <RotateCcw />} Retry from {selected ?? 'selected block'}
      </button>
      <Link className="btn" to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/edit`}>
        Open pipeline
      </Link>
      <DeleteRunButton run={r} finished={finished} />
    </div>
  );
}
