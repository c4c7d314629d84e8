// The Secrets card of the Settings page (admins): the project's secrets by name, with when and by whom each was set,
// a form that sets a value (create or replace) and a delete per secret. Values are write-only: they go to the server
// and are never shown again. For anyone else the server refuses the list, and the card is not shown.
import { useId, useState } from 'react';
import { ApiError } from '../../api/client';
import { useDeleteSecret, useSecrets, useSetSecret } from '../../api/secrets';
import { ConfirmDialog, Empty, ErrorAlert, Loading, Spinner } from '../../components/ui';
import { formatDateTime, relativeTime } from '../../lib/format';

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The project's secrets, for admins. */
export function SecretsCard() {
  const secrets = useSecrets();
  const setter = useSetSecret();
  const deleter = useDeleteSecret();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const nameId = useId();
  const valueId = useId();

  if (secrets.error instanceof ApiError && secrets.error.status === 403) return null;
  const minMasked = secrets.data?.min_masked_chars ?? 5;
  const nameProblem = name && !NAME.test(name) ? 'Letters, digits, _, - and . only (at most 128).' : null;
  const replacing = secrets.data?.secrets.some((secret) => secret.name === name) ?? false;

  const save = () => {
    setSaved(null);
    setter.mutate(
      { name, value },
      {
        onSuccess: () => {
          setSaved(name);
          setName('');
          setValue('');
        },
      },
    );
  };

  return (
    <div className="card" data-testid="secrets-card">
      <div className="card__header">
        <h2>Secrets</h2>
      </div>
      <div className="card__body form-section">
        <p className="field__hint">
          Blocks read a secret with <code>get_secret_value(&apos;name&apos;)</code>, io_config.yaml and SQL with{' '}
          <code>{"{{ mage_secret_var('name') }}"}</code>. Values are stored encrypted, never shown again, and hidden as{' '}
          <code>******</code> in block logs, errors and previews (values shorter than {minMasked} characters are not
          hidden).
        </p>
        <ErrorAlert error={secrets.error} title="Could not load the secrets" onRetry={() => void secrets.refetch()} />
        {secrets.isPending && <Loading what="Loading secrets" />}
        {secrets.data && secrets.data.secrets.length === 0 && <Empty title="No secrets yet" />}
        {secrets.data && secrets.data.secrets.length > 0 && (
          <div className="table-wrap">
            <table className="table table--compact" aria-label="Secrets">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Updated</th>
                  <th>By</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {secrets.data.secrets.map((secret) => (
                  <tr key={secret.name}>
                    <td className="mono">{secret.name}</td>
                    <td title={formatDateTime(secret.updated_at)}>{relativeTime(secret.updated_at)}</td>
                    <td>{secret.updated_by ?? '—'}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn--sm"
                        aria-label={`Delete secret ${secret.name}`}
                        onClick={() => setDeleting(secret.name)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <form
          className="form-section"
          aria-label="Set a secret"
          onSubmit={(e) => {
            e.preventDefault();
            if (name && value && !nameProblem) save();
          }}
        >
          <div className="field">
            <label htmlFor={nameId}>Name</label>
            <input
              id={nameId}
              className={`input input--mono${nameProblem ? ' input--invalid' : ''}`}
              value={name}
              placeholder="pg_password"
              autoComplete="off"
              onChange={(e) => setName(e.target.value)}
            />
            {nameProblem && <span className="field__error">{nameProblem}</span>}
          </div>
          <div className="field">
            <label htmlFor={valueId}>Value</label>
            <input
              id={valueId}
              className="input input--mono"
              type="password"
              value={value}
              autoComplete="new-password"
              onChange={(e) => setValue(e.target.value)}
            />
            {value.length > 0 && [...value].length < minMasked && (
              <span className="field__hint">
                Shorter than {minMasked} characters: this value will not be hidden in logs.
              </span>
            )}
          </div>
          <ErrorAlert error={setter.error} title="Could not save the secret" />
          {saved && <span className="field__hint">Saved {saved}.</span>}
          <div>
            <button type="submit" className="btn btn--primary" disabled={!name || !value || !!nameProblem || setter.isPending}>
              {setter.isPending && <Spinner />} {replacing ? 'Replace value' : 'Add secret'}
            </button>
          </div>
        </form>
      </div>
      {deleting && (
        <ConfirmDialog
          title={`Delete secret ${deleting}?`}
          busy={deleter.isPending}
          error={deleter.error}
          onConfirm={() => deleter.mutate({ name: deleting }, { onSuccess: () => setDeleting(null) })}
          onClose={() => setDeleting(null)}
        >
          Blocks that read <code>{deleting}</code> will fail until it is set again.
        </ConfirmDialog>
      )}
    </div>
  );
}
