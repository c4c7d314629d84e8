// The run page's delete action: asks first, deletes the run with its block runs, outputs and logs, and goes back to
// the runs of its pipeline. A run still going cannot be deleted (cancel it first).
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Trash2 } from 'lucide-react';
import { useAccess } from '../../api/auth';
import type { Run } from '../../api/client';
import { useDeleteRun } from '../../api/retention';
import { ConfirmDialog } from '../../components/ui';

export function DeleteRunButton({ run, finished }: { run: Run; finished: boolean }) {
  const navigate = useNavigate();
  const remove = useDeleteRun();
  const [asking, setAsking] = useState(false);
  const denied = useAccess().denied('editor', 'Deleting a run');
  const reason = denied ?? (finished ? undefined : 'The run is still going: cancel it first');

  const confirm = () => {
    remove.mutate(run.id, {
      onSuccess: () => void navigate(`/pipelines/${encodeURIComponent(run.pipeline_uuid)}/runs`),
    });
  };

  return (
    <>
      <button type="button" className="btn btn--danger" disabled={!!reason} title={reason} onClick={() => setAsking(true)}>
        <Trash2 /> Delete run
      </button>
      {asking && (
        <ConfirmDialog
          title={`Delete run #${String(run.id)}?`}
          busy={remove.isPending}
          error={remove.error}
          onConfirm={confirm}
          onClose={() => {
            remove.reset();
            setAsking(false);
          }}
        >
          <p>
            The run of <strong>{run.pipeline_uuid}</strong>, its block runs, their outputs and their logs are deleted for
            good. Its entries in the activity trail stay.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
