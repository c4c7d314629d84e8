// A new password typed twice, the rule shown as a hint until the form is sent and the problem after (sign-up of the
// owner, a password change, an admin's new user or new password).
import { useId } from 'react';

/** A new password typed twice, with the rule shown until the form is sent and the problem after. */
export function NewPasswordFields({
  password,
  confirm,
  onPassword,
  onConfirm,
  problem,
  hint,
  label = 'Password',
}: {
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  problem: string | null;
  hint: string;
  label?: string;
}) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-password`}>{label}</label>
        <input id={`${id}-password`} className="input" type="password" autoComplete="new-password" value={password} onChange={(e) => onPassword(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-confirm`}>{label} again</label>
        <input
          id={`${id}-confirm`}
          className={`input${problem ? ' input--invalid' : ''}`}
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => onConfirm(e.target.value)}
        />
        <span className={problem ? 'field__error' : 'field__hint'}>{problem ?? hint}</span>
      </div>
    </>
  );
}
