// The dialogs of Settings → Users: adding a user (email, role, a first password to hand over) and setting a user's
// password (which ends its sessions).
import { useId, useState } from 'react';
import type { Role, User } from '../../api/client';
import { useAddUser, useUpdateUser } from '../../api/users';
import { Alert, ErrorAlert, Modal, Spinner } from '../../components/ui';
import { ROLE_HINTS } from '../../lib/access';
import { newPasswordProblem } from '../../lib/credentials';
import { NewPasswordFields } from '../account/NewPasswordFields';

export function AddUserDialog({ roles, onClose }: { roles: readonly Role[]; onClose: () => void }) {
  const id = useId();
  const add = useAddUser();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const problem = newPasswordProblem(password, confirm);

  return (
    <Modal title="Add a user" onClose={onClose}>
      <form
        className="form-section"
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(true);
          if (problem || !email.trim()) return;
          add.mutate({ email: email.trim(), role, password }, { onSuccess: onClose });
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
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          problem={submitted ? problem : null}
          hint="At least 8 characters. Hand it over safely; they can change it from their user menu."
        />
        <ErrorAlert error={add.error} title="Could not add the user" />
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={add.isPending} data-testid="add-user-confirm">
            {add.isPending && <Spinner />} Add user
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function SetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const update = useUpdateUser();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const problem = newPasswordProblem(password, confirm);

  return (
    <Modal title={`Set a password for ${user.email}`} onClose={onClose}>
      {update.isSuccess ? (
        <>
          <Alert tone="success">Password set. {user.email} was signed out everywhere and signs in with the new one.</Alert>
          <div className="row" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn btn--primary" onClick={onClose} autoFocus>
              Done
            </button>
          </div>
        </>
      ) : (
        <form
          className="form-section"
          onSubmit={(e) => {
            e.preventDefault();
            setSubmitted(true);
            if (problem) return;
            update.mutate({ id: user.id, password });
          }}
        >
          <NewPasswordFields
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            problem={submitted ? problem : null}
            hint="At least 8 characters. Their sessions end (yours stays, if this is you)."
          />
          <ErrorAlert error={update.error} title="Could not set the password" />
          <div className="row" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn--primary" disabled={update.isPending}>
              {update.isPending && <Spinner />} Set password
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
