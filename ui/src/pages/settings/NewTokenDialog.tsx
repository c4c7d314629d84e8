// Making an API token: a name and an expiry; then its value, shown this once with a copy button and an example call.
import { useId, useState } from 'react';
import { API_PREFIX } from '../../api/client';
import { useCreateToken } from '../../api/users';
import { Alert, CopyButton, DialogActions, DoneAction, ErrorAlert, Modal } from '../../components/ui';

/** The expiries offered, in days (null: until revoked). */
const EXPIRIES: { days: number | null; label: string }[] = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Never (until revoked)' },
];

export function NewTokenDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const create = useCreateToken();
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const made = create.data;

  if (made) {
    const example = `curl -H "Authorization: Bearer ${made.value}" ${window.location.origin}${API_PREFIX}/pipelines`;
    return (
      <Modal title={`Token ${made.token.name} is made`} onClose={onClose}>
        <Alert tone="warning">
          <strong>Copy it now.</strong> Wand keeps only a hash of it and cannot show it again.
        </Alert>
        <div className="field">
          <span className="field__label">Token</span>
          <div className="code-line">
            <pre className="mono" data-testid="new-token-value">
              {made.value}
            </pre>
            <CopyButton text={made.value} />
          </div>
        </div>
        <div className="field">
          <span className="field__label">Example</span>
          <div className="code-line">
            <pre className="mono">{example}</pre>
            <CopyButton text={example} />
          </div>
        </div>
        <DoneAction onDone={onClose} testId="token-done" />
      </Modal>
    );
  }

  return (
    <Modal title="New API token" onClose={onClose}>
      <form
        className="form-section"
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) return;
          create.mutate({ name: name.trim(), expires_in_days: expiry === 'never' ? null : Number(expiry) });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            className="input"
            autoFocus
            maxLength={100}
            placeholder="e.g. ci, airflow"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <span className="field__hint">What uses it, so you know what breaks when you revoke it.</span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expires after</label>
          <select id={`${id}-expiry`} className="select" value={expiry} onChange={(e) => setExpiry(e.target.value)} style={{ maxWidth: 240 }}>
            {EXPIRIES.map((e) => (
              <option key={e.label} value={e.days == null ? 'never' : String(e.days)}>
                {e.label}
              </option>
            ))}
          </select>
        </div>
        <ErrorAlert error={create.error} title="Could not make the token" />
        <DialogActions onCancel={onClose} submitLabel="Make token" busy={create.isPending} disabled={!name.trim()} testId="create-token" />
      </form>
    </Modal>
  );
}
