// A button that opens a list of actions (below it, or above it at the bottom of the screen); a click outside or
// Escape closes it.
import { useEffect, useRef, useState, type ReactNode } from 'react';

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
  direction = 'down',
  header,
  ariaLabel,
  testId,
}: {
  testId?: string;
  /** Shown above the items (who the menu is about). */
  header?: ReactNode;
  label: ReactNode;
  items: (MenuItem | 'separator')[];
  buttonClass?: string;
  align?: 'left' | 'right';
  direction?: 'down' | 'up';
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
        <div className={`menu__list${align === 'left' ? ' menu__list--left' : ''}${direction === 'up' ? ' menu__list--up' : ''}`} role="menu">
          {header && <div className="menu__header">{header}</div>}
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
