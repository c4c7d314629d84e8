// A dialog over the page; Escape or the backdrop closes it.
import { useEffect, useId, type ReactNode } from 'react';
import { X } from 'lucide-react';

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
