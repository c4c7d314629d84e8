// Changing one's own password: the current one, then the new one twice. The user's other sessions end; this one stays.
import { useId, useState } from 'react';
import { useChangePassword } from '../../api/auth';
import { Alert, DialogActions, DoneAction, ErrorAlert, Modal } from '../../components/ui';
import { useNewPassword } from '../../lib/useNewPassword';
import { NewPasswordFields } from './NewPasswordFields';

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const fresh = useNewPassword();
  const done = change.isSuccess;

  return (
    <Modal title="Change your password" onClose={onClose}>
      {done ? (
        <>
          <Alert tone="success">
            <span data-testid="password-changed">Password changed. You stay signed in here; your other sessions have ended.</span>
          </Alert>
          <DoneAction onDone={onClose} />
        </>
      ) : (
        <form
          className="form-section"
          onSubmit={(e) => {
            e.preventDefault();
            if (!fresh.submit() || !current) return;
            change.mutate({ current_password: current, new_password: fresh.password });
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
            {...fresh.fields}
            hint="At least 8 characters. Your other sessions end when it changes."
          />
          <ErrorAlert error={change.error} title="Not changed" />
          <DialogActions onCancel={onClose} submitLabel="Change password" busy={change.isPending} disabled={!current} />
        </form>
      )}
    </Modal>
  );
}
