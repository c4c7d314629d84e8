// Small building blocks shared by the pages: badges, alerts, spinners, menus, dialogs.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Check, Copy, X } from 'lucide-react';
import { errorMessage } from '../api/client';
import { blockType, statusLabel, statusTone } from '../lib/blockTypes';

export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="cell-muted">—</span>;
  return (
    <span className={`badge badge--${statusTone(status)}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

export function TypeBadge({ type }: { type: string }) {
  const info = blockType(type);
  return (
    <span className="type-badge" style={{ background: info.color }}>
      {info.label}
    </span>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label ?? 'Loading'} />;
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="loading">
      <Spinner label={what} /> {what}…
    </div>
  );
}

export function ErrorAlert({
  error,
  title,
  onRetry,
  children,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  children?: ReactNode;
}) {
  if (error == null) return null;
  return (
    <div className="alert alert--error" role="alert">
      <div className="alert__body">
        {title && <strong>{title}: </strong>}
        {errorMessage(error)}
        {children}
      </div>
      {onRetry && (
        <button type="button" className="btn btn--sm" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Alert({ tone, children }: { tone: 'info' | 'warning' | 'success' | 'error'; children: ReactNode }) {
  return (
    <div className={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div className="alert__body">{children}</div>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** A dialog over the page; Escape or the backdrop closes it. */
export function Modal({
  title,
  onClose,
  children,
  footer,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const id = useId();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className={`modal${wide ? ' modal--wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={id}>
        <div className="modal__header row">
          <h2 id={id} className="grow">
            {title}
          </h2>
          <button type="button" className="btn btn--ghost btn--sm btn--icon" aria-label="Close" onClick={onClose}>
            <X />
          </button>
        </div>
        <div className="modal__body">{children}</div>
        {footer && <div className="modal__footer">{footer}</div>}
      </div>
    </div>
  );
}

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

export interface MenuItem {
  label: string;
  hint?: string;
  disabled?: boolean;
  danger?: boolean;
  onSelect?: () => void;
}

/** A button that opens a list of actions. */
export function Menu({
  label,
  items,
  buttonClass = 'btn',
  align = 'right',
  ariaLabel,
  testId,
}: {
  testId?: string;
  label: ReactNode;
  items: (MenuItem | 'separator')[];
  buttonClass?: string;
  align?: 'left' | 'right';
  ariaLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="menu" ref={ref}>
      <button
        type="button"
        className={buttonClass}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={ariaLabel}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
      >
        {label}
      </button>
      {open && (
        <div className={`menu__list${align === 'left' ? ' menu__list--left' : ''}`} role="menu">
          {items.map((item, i) =>
            item === 'separator' ? (
              <div key={`sep-${String(i)}`} className="menu__sep" />
            ) : (
              <button
                key={item.label}
                type="button"
                role="menuitem"
                className={`menu__item${item.danger ? ' menu__item--danger' : ''}`}
                disabled={item.disabled}
                aria-disabled={item.disabled}
                onClick={() => {
                  setOpen(false);
                  item.onSelect?.();
                }}
              >
                <span>{item.label}</span>
                {item.hint && <small>{item.hint}</small>}
              </button>
            ),
          )}
        </div>
      )}
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      className="btn btn--sm"
      onClick={() => {
        const done = () => setCopied(true);
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
        } else if (fallbackCopy(text)) {
          done();
        }
      }}
    >
      {copied ? <Check /> : <Copy />} {copied ? 'Copied' : label}
    </button>
  );
}

/** Copies through a hidden text area where the Clipboard API is not allowed (plain http on another host). */
function fallbackCopy(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/** Key/value rows for variables. */
export function KeyValueEditor({
  rows,
  onChange,
  keyPlaceholder = 'name',
  valuePlaceholder = 'value (text, number, true/false or JSON)',
}: {
  rows: { key: string; value: string }[];
  onChange: (rows: { key: string; value: string }[]) => void;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
}) {
  return (
    <div className="kv-rows">
      {rows.map((row, i) => (
        <div className="kv-row" key={i}>
          <input
            className="input input--mono"
            aria-label={`Variable ${String(i + 1)} name`}
            placeholder={keyPlaceholder}
            value={row.key}
            onChange={(e) => onChange(rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))}
          />
          <input
            className="input input--mono"
            aria-label={`Variable ${String(i + 1)} value`}
            placeholder={valuePlaceholder}
            value={row.value}
            onChange={(e) => onChange(rows.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))}
          />
          <button
            type="button"
            className="btn btn--ghost btn--icon"
            aria-label={`Remove variable ${String(i + 1)}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            <X />
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn--sm" onClick={() => onChange([...rows, { key: '', value: '' }])}>
          + Add variable
        </button>
      </div>
    </div>
  );
}
