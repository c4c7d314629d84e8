// The buttons at the foot of a dialog or form, on the right: Cancel (when `onCancel` is given), then the submit
// button; or the one Done button of a dialog whose work is over.
import type { ReactNode } from 'react';
import { Spinner } from './Spinner';

export function DialogActions({
  onCancel,
  submitLabel,
  busy = false,
  disabled = false,
  icon,
  testId,
}: {
  onCancel?: () => void;
  submitLabel: string;
  /** A request is on its way: the button shows a spinner (instead of `icon`) and cannot be pressed again. */
  busy?: boolean;
  disabled?: boolean;
  icon?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="row" style={{ justifyContent: 'flex-end' }}>
      {onCancel && (
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      )}
      <button type="submit" className="btn btn--primary" disabled={busy || disabled} data-testid={testId}>
        {busy ? <Spinner /> : icon} {submitLabel}
      </button>
    </div>
  );
}

export function DoneAction({ onDone, testId }: { onDone: () => void; testId?: string }) {
  return (
    <div className="row" style={{ justifyContent: 'flex-end' }}>
      <button type="button" className="btn btn--primary" onClick={onDone} autoFocus data-testid={testId}>
        Done
      </button>
    </div>
  );
}
