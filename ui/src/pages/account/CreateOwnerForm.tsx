// Creating the owner on a server that has no user yet (loopback): email and a password typed twice; the owner is
// signed in at once, and from then on everyone signs in.
import { useId, useState } from 'react';
import { UserPlus } from 'lucide-react';
import { useCreateOwner } from '../../api/auth';
import { DialogActions, ErrorAlert } from '../../components/ui';
import { useNewPassword } from '../../lib/useNewPassword';
import { NewPasswordFields } from './NewPasswordFields';

export function CreateOwnerForm({ onCreated, onCancel }: { onCreated?: () => void; onCancel?: () => void }) {
  const id = useId();
  const create = useCreateOwner();
  const [email, setEmail] = useState('');
  const fresh = useNewPassword();

  return (
    <form
      className="form-section"
      data-testid="create-owner"
      onSubmit={(e) => {
        e.preventDefault();
        if (!fresh.submit() || !email.trim()) return;
        create.mutate({ email: email.trim(), password: fresh.password }, { onSuccess: () => onCreated?.() });
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
        {...fresh.fields}
        hint="At least 8 characters."
      />
      <ErrorAlert error={create.error} title="Could not create the owner" />
      <DialogActions onCancel={onCancel} submitLabel="Create owner and sign in" busy={create.isPending} icon={<UserPlus />} />
    </form>
  );
}
