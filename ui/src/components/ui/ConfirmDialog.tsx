// A dialog that asks yes or no before something destructive.
import type { ReactNode } from 'react';
import { ErrorAlert } from './ErrorAlert';
import { Modal } from './Modal';
import { Spinner } from './Spinner';

/** A yes/no question about something destructive. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel = 'Delete',
  busy,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn--danger-solid" disabled={busy} onClick={onConfirm}>
            {busy && <Spinner />} {confirmLabel}
          </button>
        </>
      }
    >
      {children}
      <ErrorAlert error={error} />
    </Modal>
  );
}
