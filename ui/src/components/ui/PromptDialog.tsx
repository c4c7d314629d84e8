// A dialog that asks for one line of text (a name, a path).
import { useId, useState, type ReactNode } from 'react';
import { DialogActions } from './DialogActions';
import { ErrorAlert } from './ErrorAlert';
import { Modal } from './Modal';

/** Asks for one line of text (a name, a path). */
export function PromptDialog({
  title,
  label,
  initial = '',
  placeholder,
  hint,
  submitLabel = 'Create',
  busy,
  error,
  onSubmit,
  onClose,
}: {
  title: string;
  label: string;
  initial?: string;
  placeholder?: string;
  hint?: ReactNode;
  submitLabel?: string;
  busy?: boolean;
  error?: unknown;
  onSubmit: (value: string) => void;
  onClose: () => void;
}) {
  const [value, setValue] = useState(initial);
  const id = useId();
  return (
    <Modal title={title} onClose={onClose}>
      <form
        className="form-section"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onSubmit(value.trim());
        }}
      >
        <div className="field">
          <label htmlFor={id}>{label}</label>
          <input
            id={id}
            className="input"
            autoFocus
            value={value}
            placeholder={placeholder}
            onChange={(e) => setValue(e.target.value)}
          />
          {hint && <span className="field__hint">{hint}</span>}
        </div>
        <ErrorAlert error={error} />
        <DialogActions onCancel={onClose} submitLabel={submitLabel} busy={busy} disabled={!value.trim()} />
      </form>
    </Modal>
  );
}
