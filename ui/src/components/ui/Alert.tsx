// A box of information, warning, success or error.
import type { ReactNode } from 'react';

export function Alert({ tone, children }: { tone: 'info' | 'warning' | 'success' | 'error'; children: ReactNode }) {
  return (
    <div className={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div className="alert__body">{children}</div>
    </div>
  );
}
