// The message of a failed call (or anything thrown), with an optional title and Retry button; nothing when there is no error.
import type { ReactNode } from 'react';
import { errorMessage } from '../../api/client';

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
