// What the editor says above the cells: a triggers.yaml that is not applied, the pipeline's warnings, the last failed
// change (dismissable), and how to start when there is no block yet.
import { X } from 'lucide-react';
import type { PipelineDetail } from '../../api/client';
import { Alert } from '../../components/ui';

export function EditorNotices({ pipeline: p, actionError, onDismiss }: { pipeline: PipelineDetail; actionError: unknown; onDismiss: () => void }) {
  return (
    <>
      {p.triggers_error && (
        <Alert tone="error">
          <div data-testid="triggers-error">
            <strong>triggers.yaml is not applied</strong> (its triggers stay as they were until it is fixed):{' '}
            {p.triggers_error}
          </div>
        </Alert>
      )}
      {p.warnings.length > 0 && (
        <Alert tone="warning">
          {p.warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
        </Alert>
      )}
      {actionError != null && (
        <div className="alert alert--error" role="alert">
          <div className="alert__body">{actionError instanceof Error ? actionError.message : String(actionError)}</div>
          <button type="button" className="btn btn--ghost btn--sm btn--icon" aria-label="Dismiss" onClick={onDismiss}>
            <X />
          </button>
        </div>
      )}
      {p.blocks.length === 0 && <Alert tone="info">This pipeline has no blocks yet. Add a data loader to start.</Alert>}
    </>
  );
}
