// A dialog that asks for one line of text (a name, a path).
import { useId, useState, type ReactNode } from 'react';
import { ErrorAlert } from './ErrorAlert';
import { Modal } from './Modal';
import { Spinner } from './Spinner';

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
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={busy || !value.trim()}>
            {busy && <Spinner />} {submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
