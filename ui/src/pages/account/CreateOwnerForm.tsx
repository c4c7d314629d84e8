// Creating the owner on a server that has no user yet (loopback): email and a password typed twice; the owner is
// signed in at once, and from then on everyone signs in.
import { useId, useState } from 'react';
import { UserPlus } from 'lucide-react';
import { useCreateOwner } from '../../api/auth';
import { ErrorAlert, Spinner } from '../../components/ui';
import { newPasswordProblem } from '../../lib/credentials';
import { NewPasswordFields } from './NewPasswordFields';

export function CreateOwnerForm({ onCreated, onCancel }: { onCreated?: () => void; onCancel?: () => void }) {
  const id = useId();
  const create = useCreateOwner();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const problem = newPasswordProblem(password, confirm);

  return (
    <form
      className="form-section"
      data-testid="create-owner"
      onSubmit={(e) => {
        e.preventDefault();
        setSubmitted(true);
        if (problem || !email.trim()) return;
        create.mutate({ email: email.trim(), password }, { onSuccess: () => onCreated?.() });
      }}
    >
      <p className="muted small" style={{ margin: 0 }}>
        The owner manages users and everything else. Once it exists, this server asks everyone to sign in.
      </p>
      <div className="field">
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <NewPasswordFields
        password={password}
        confirm={confirm}
        onPassword={setPassword}
        onConfirm={setConfirm}
        problem={submitted ? problem : null}
        hint="At least 8 characters."
      />
      <ErrorAlert error={create.error} title="Could not create the owner" />
      <div className="row" style={{ justifyContent: 'flex-end' }}>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="btn btn--primary" disabled={create.isPending}>
          {create.isPending ? <Spinner /> : <UserPlus />} Create owner and sign in
        </button>
      </div>
    </form>
  );
}
