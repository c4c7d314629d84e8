// The dialogs of Settings → Users: adding a user (email, role, a first password to hand over) and setting a user's
// password (which ends its sessions).
import { useId, useState } from 'react';
import type { Role, User } from '../../api/client';
import { useAddUser, useUpdateUser } from '../../api/users';
import { Alert, DialogActions, DoneAction, ErrorAlert, Modal } from '../../components/ui';
import { ROLE_HINTS } from '../../lib/access';
import { useNewPassword } from '../../lib/useNewPassword';
import { NewPasswordFields } from '../account/NewPasswordFields';

export function AddUserDialog({ roles, onClose }: { roles: readonly Role[]; onClose: () => void }) {
  const id = useId();
  const add = useAddUser();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const fresh = useNewPassword();

  return (
    <Modal title="Add a user" onClose={onClose}>
      <form
        className="form-section"
        onSubmit={(e) => {
          e.preventDefault();
          if (!fresh.submit() || !email.trim()) return;
          add.mutate({ email: email.trim(), role, password: fresh.password }, { onSuccess: onClose });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input id={`${id}-email`} className="input" type="email" autoComplete="off" autoFocus required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} className="select" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <span className="field__hint">{ROLE_HINTS[role]}.</span>
        </div>
        <NewPasswordFields
          {...fresh.fields}
          hint="At least 8 characters. Hand it over safely; they can change it from their user menu."
        />
        <ErrorAlert error={add.error} title="Could not add the user" />
        <DialogActions onCancel={onClose} submitLabel="Add user" busy={add.isPending} testId="add-user-confirm" />
      </form>
    </Modal>
  );
}

export function SetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const update = useUpdateUser();
  const fresh = useNewPassword();

  return (
    <Modal title={`Set a password for ${user.email}`} onClose={onClose}>
      {update.isSuccess ? (
        <>
          <Alert tone="success">Password set. {user.email} was signed out everywhere and signs in with the new one.</Alert>
          <DoneAction onDone={onClose} />
        </>
      ) : (
        <form
          className="form-section"
          onSubmit={(e) => {
            e.preventDefault();
            if (!fresh.submit()) return;
            update.mutate({ id: user.id, password: fresh.password });
          }}
        >
          <NewPasswordFields
            {...fresh.fields}
            hint="At least 8 characters. Their sessions end (yours stays, if this is you)."
          />
          <ErrorAlert error={update.error} title="Could not set the password" />
          <DialogActions onCancel={onClose} submitLabel="Set password" busy={update.isPending} />
        </form>
      )}
    </Modal>
  );
}
