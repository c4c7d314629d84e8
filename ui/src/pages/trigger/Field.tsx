// One labelled field of the trigger form with its error or hint, and what every section of the form receives.
import type { ReactNode } from 'react';
import type { TriggerFormErrors, TriggerFormValues } from '../../lib/triggerForm';

export function Field({ label, htmlFor, hint, error, children, className }: { label: string; htmlFor?: string; hint?: ReactNode; error?: string; children: ReactNode; className?: string }) {
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? <span className="field__error">{error}</span> : hint ? <span className="field__hint">{hint}</span> : null}
    </div>
  );
}

/** Sets one value of the form. */
export type SetField = <K extends keyof TriggerFormValues>(key: K, value: TriggerFormValues[K]) => void;

/** The form's values, its setter, and the errors to show now. */
export interface SectionProps {
  values: TriggerFormValues;
  set: SetField;
  shown: TriggerFormErrors;
}
