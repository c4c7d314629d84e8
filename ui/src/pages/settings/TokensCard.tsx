// Settings → API tokens: the signed-in user's own tokens for `Authorization: Bearer` (scripts, CI, Airflow), with
// when each was made, expires and was last used; make one (its value is shown once) or revoke one.
import { useState } from 'react';
import { KeyRound } from 'lucide-react';
import { useMe } from '../../api/auth';
import type { ApiToken } from '../../api/client';
import { useRevokeToken, useTokens } from '../../api/users';
import { Alert, ConfirmDialog, Empty, ErrorAlert, Loading } from '../../components/ui';
import { formatDateTime, relativeTime } from '../../lib/format';
import { NewTokenDialog } from './NewTokenDialog';
import { useScrollToHash } from './useScrollToHash';

function expired(token: ApiToken): boolean {
  return token.expires_at != null && Date.parse(token.expires_at) <= Date.now();
}

export function TokensCard() {
  const me = useMe().data;
  const signedIn = !!me?.user;
  const tokens = useTokens({ enabled: signedIn });
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const ref = useScrollToHash('tokens');
  if (!me) return null;

  const closeRevoke = () => {
    setRevoking(null);
    revoke.reset();
  };
  const list = tokens.data?.tokens ?? [];

  return (
    <div className="card" id="tokens" ref={ref} data-testid="tokens-card">
      <div className="card__header">
        <div className="grow">
          <h2>API tokens</h2>
          <span className="page-header__sub">Your own, for scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts with your role.</span>
        </div>
        {signedIn && (
          <button type="button" className="btn btn--sm btn--primary" onClick={() => setCreating(true)} data-testid="new-token">
            <KeyRound /> New token
          </button>
        )}
      </div>
      <div className="card__body form-section">
        {!signedIn ? (
          <Alert tone="info">API tokens belong to a user: set up the owner account first (Users, above).</Alert>
        ) : (
          <>
            <ErrorAlert error={tokens.error} title="Could not load your tokens" onRetry={() => void tokens.refetch()} />
            {tokens.isPending && <Loading what="Loading tokens" />}
            {tokens.data && list.length === 0 && (
              <Empty title="No API tokens">
                <span>Make one for each script or service, so you can revoke it alone.</span>
              </Empty>
            )}
            {list.length > 0 && (
              <div className="table-wrap">
                <table className="table" data-testid="tokens-table">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Created</th>
                      <th>Expires</th>
                      <th>Last used</th>
                      <th style={{ width: 1 }} />
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((t) => (
                      <tr key={t.id} data-testid={`token-row-${t.name}`}>
                        <td>{t.name}</td>
                        <td className="cell-muted nowrap">{formatDateTime(t.created_at)}</td>
                        <td className="nowrap">
                          {t.expires_at == null ? (
                            <span className="cell-muted">Never</span>
                          ) : expired(t) ? (
                            <span className="badge badge--danger" title={formatDateTime(t.expires_at)}>
                              expired
                            </span>
                          ) : (
                            <span title={relativeTime(t.expires_at)}>{formatDateTime(t.expires_at)}</span>
                          )}
                        </td>
                        <td className="nowrap">
                          {t.last_used_at ? (
                            <span title={formatDateTime(t.last_used_at)}>{relativeTime(t.last_used_at)}</span>
                          ) : (
                            <span className="cell-muted">Never</span>
                          )}
                        </td>
                        <td>
                          <button type="button" className="btn btn--sm btn--danger" onClick={() => setRevoking(t)}>
                            Revoke…
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </div>

      {creating && <NewTokenDialog onClose={() => setCreating(false)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke the token ${revoking.name}?`}
          confirmLabel="Revoke"
          busy={revoke.isPending}
          error={revoke.error}
          onConfirm={() => revoke.mutate({ id: revoking.id }, { onSuccess: closeRevoke })}
          onClose={closeRevoke}
        >
          <p style={{ margin: 0 }}>Anything that still sends it is refused from now on. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
