// "Run pipeline now": optional variables, then a run (of a trigger or of the pipeline alone); opens the run page.
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useStartRun } from '../api/runs';
import { variablesToObject, type VariableRow } from '../lib/triggerForm';
import { ErrorAlert, KeyValueEditor, Modal, Spinner } from './ui';

export function RunNowDialog({
  pipeline,
  triggerId,
  triggerName,
  defaults,
  onClose,
}: {
  pipeline: string;
  triggerId?: number;
  triggerName?: string;
  defaults?: VariableRow[];
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const [rows, setRows] = useState<VariableRow[]>(defaults ?? []);
  const startRun = useStartRun();
  const busy = startRun.isPending;

  const start = () => {
    startRun.mutate(
      { pipeline, triggerId, variables: variablesToObject(rows) },
      {
        onSuccess: (run) => {
          if (run) void navigate(`/runs/${String(run.id)}`);
          else onClose();
        },
      },
    );
  };

  return (
    <Modal
      title={triggerName ? `Run ${pipeline} now (trigger ${triggerName})` : `Run ${pipeline} now`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn--primary" disabled={busy} onClick={start} data-testid="run-now-confirm">
            {busy && <Spinner />} Run now
          </button>
        </>
      }
    >
      <p className="muted" style={{ margin: 0 }}>
        {triggerId != null
          ? 'The run gets the trigger’s variables; the ones below override them.'
          : 'The run gets the pipeline’s variables; the ones below override them.'}
      </p>
      <div className="field">
        <span className="field__label">Run variables (optional)</span>
        <KeyValueEditor rows={rows} onChange={setRows} />
      </div>
      <ErrorAlert error={startRun.error} title="Could not start the run" />
    </Modal>
  );
}
