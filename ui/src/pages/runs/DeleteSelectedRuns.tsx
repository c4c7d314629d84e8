// The runs table's bulk delete: how many runs are selected, and a delete that asks first. Runs still going are
// not selectable (the server would refuse them: cancel them first).
import { useState } from 'react';
import { Trash2 } from 'lucide-react';
import { useAccess } from '../../api/auth';
import { useDeleteRuns } from '../../api/retention';
import { ConfirmDialog } from '../../components/ui';

export function DeleteSelectedRuns({ selected, onDeleted }: { selected: number[]; onDeleted: () => void }) {
  const remove = useDeleteRuns();
  const [asking, setAsking] = useState(false);
  const denied = useAccess().denied('editor', 'Deleting runs');
  if (selected.length === 0) return null;
  const count = `${String(selected.length)} run${selected.length === 1 ? '' : 's'}`;
  return (
    <>
      <button type="button" className="btn btn--sm btn--danger" disabled={!!denied} title={denied ?? undefined} onClick={() => setAsking(true)}>
        <Trash2 /> Delete {count}
      </button>
      {asking && (
        <ConfirmDialog
          title={`Delete ${count}?`}
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() =>
            remove.mutate(selected, {
              onSuccess: () => {
                setAsking(false);
                onDeleted();
              },
            })
          }
          onClose={() => {
            remove.reset();
            setAsking(false);
          }}
        >
          <p>
            Runs {selected.map((id) => `#${String(id)}`).join(', ')}, their block runs, outputs and logs are deleted for good.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
