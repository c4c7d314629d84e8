// Changing one's own password: the current one, then the new one twice. The user's other sessions end; this one stays.
import { useId, useState } from 'react';
import { useChangePassword } from '../../api/auth';
import { Alert, ErrorAlert, Modal, Spinner } from '../../components/ui';
import { newPasswordProblem } from '../../lib/credentials';
import { NewPasswordFields } from './NewPasswordFields';

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const problem = newPasswordProblem(password, confirm);
  const done = change.isSuccess;

  return (
    <Modal title="Change your password" onClose={onClose}>
      {done ? (
        <>
          <Alert tone="success">
            <span data-testid="password-changed">Password changed. You stay signed in here; your other sessions have ended.</span>
          </Alert>
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
            if (problem || !current) return;
            change.mutate({ current_password: current, new_password: password });
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-current`}>Current password</label>
            <input
              id={`${id}-current`}
              className="input"
              type="password"
              autoComplete="current-password"
              autoFocus
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </div>
          <NewPasswordFields
            label="New password"
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            problem={submitted ? problem : null}
            hint="At least 8 characters. Your other sessions end when it changes."
          />
          <ErrorAlert error={change.error} title="Not changed" />
          <div className="row" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn--primary" disabled={change.isPending || !current}>
              {change.isPending && <Spinner />} Change password
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
