// Settings → Users (admins): who may use this server and with which role; add a user, change a role, set a password,
// remove a user. The rules of the server are shown before it enforces them: only an owner touches an owner or grants
// the role, the only owner keeps it. On a server with no user yet: the offer to create the owner.
import { useState } from 'react';
import { UserPlus } from 'lucide-react';
import { useAccess, useMe } from '../../api/auth';
import type { Role, User } from '../../api/client';
import { useRemoveUser, useUpdateUser, useUsers } from '../../api/users';
import { Alert, ConfirmDialog, ErrorAlert, Loading, Modal } from '../../components/ui';
import { allows, ROLE_HINTS, ROLES } from '../../lib/access';
import { formatDateTime } from '../../lib/format';
import { CreateOwnerForm } from '../account/CreateOwnerForm';
import { AddUserDialog, SetPasswordDialog } from './UserDialogs';
import { useScrollToHash } from './useScrollToHash';

type Dialog = { kind: 'add' } | { kind: 'password'; user: User } | { kind: 'remove'; user: User } | { kind: 'owner' };

/** Why the signed-in user may not change `target` (its role or password, or remove it), or null. */
function untouchable(target: User, myRole: Role, owners: number): string | null {
  if (target.role === 'owner' && myRole !== 'owner') return 'Only an owner may change an owner.';
  if (target.role === 'owner' && owners <= 1) return 'The only owner keeps the role: make another owner first.';
  return null;
}

export function UsersCard() {
  const access = useAccess();
  const me = useMe().data?.user;
  const isAdmin = access.role != null && allows(access.role, 'admin');
  const users = useUsers({ enabled: isAdmin && !access.open });
  const update = useUpdateUser();
  const remove = useRemoveUser();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const ref = useScrollToHash('users');
  if (!isAdmin) return null;

  const close = () => {
    setDialog(null);
    remove.reset();
  };
  const list = users.data?.users ?? [];
  const owners = list.filter((u) => u.role === 'owner').length;
  const myRole = access.role ?? 'viewer';
  const offered = ROLES.filter((r) => r !== 'owner' || myRole === 'owner');

  return (
    <div className="card" id="users" ref={ref} data-testid="users-card">
      <div className="card__header">
        <h2 className="grow">Users</h2>
        {!access.open && (
          <button type="button" className="btn btn--sm btn--primary" onClick={() => setDialog({ kind: 'add' })} data-testid="add-user">
            <UserPlus /> Add user
          </button>
        )}
      </div>
      <div className="card__body form-section">
        {access.open ? (
          <Alert tone="info">
            Nobody signs in yet: this server has no user, and anyone who can reach it uses it.{' '}
            <button type="button" className="btn btn--sm" onClick={() => setDialog({ kind: 'owner' })}>
              Set up the owner account…
            </button>
          </Alert>
        ) : (
          <>
            <ErrorAlert error={users.error} title="Could not load the users" onRetry={() => void users.refetch()} />
            <ErrorAlert error={update.error} title="Could not change the user" />
            {users.isPending && <Loading what="Loading users" />}
            {users.data && (
              <div className="table-wrap">
                <table className="table" data-testid="users-table">
                  <thead>
                    <tr>
                      <th>Email</th>
                      <th>Role</th>
                      <th>Added</th>
                      <th style={{ width: 1 }} />
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((u) => {
                      const why = untouchable(u, myRole, owners);
                      const self = u.id === me?.id;
                      return (
                        <tr key={u.id} data-testid={`user-row-${u.email}`}>
                          <td>
                            {u.email} {self && <span className="chip">you</span>}
                          </td>
                          <td>
                            <select
                              className="select select--sm"
                              aria-label={`Role of ${u.email}`}
                              value={u.role}
                              disabled={!!why || update.isPending}
                              title={why ?? ROLE_HINTS[u.role]}
                              onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                            >
                              {(u.role === 'owner' ? ROLES : offered).map((r) => (
                                <option key={r} value={r}>
                                  {r}
                                </option>
                              ))}
                            </select>
                          </td>
                          <td className="cell-muted nowrap">{formatDateTime(u.created_at)}</td>
                          <td>
                            <div className="row nowrap">
                              <button
                                type="button"
                                className="btn btn--sm"
                                disabled={u.role === 'owner' && myRole !== 'owner'}
                                title={u.role === 'owner' && myRole !== 'owner' ? 'Only an owner may change an owner.' : 'Their sessions end'}
                                onClick={() => setDialog({ kind: 'password', user: u })}
                              >
                                Set password…
                              </button>
                              <button
                                type="button"
                                className="btn btn--sm btn--danger"
                                disabled={!!why || self}
                                title={self ? 'You cannot remove yourself.' : (why ?? undefined)}
                                onClick={() => setDialog({ kind: 'remove', user: u })}
                              >
                                Remove…
                              </button>
                            </div>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            <p className="muted small" style={{ margin: 0 }}>
              Viewers read; editors also edit and run pipelines; admins also manage users, triggers, settings, the
              terminal and Python; owners also manage owners.
            </p>
          </>
        )}
      </div>

      {dialog?.kind === 'add' && <AddUserDialog roles={offered} onClose={close} />}
      {dialog?.kind === 'password' && <SetPasswordDialog user={dialog.user} onClose={close} />}
      {dialog?.kind === 'remove' && (
        <ConfirmDialog
          title={`Remove ${dialog.user.email}?`}
          confirmLabel="Remove"
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ id: dialog.user.id }, { onSuccess: close })}
          onClose={close}
        >
          <p style={{ margin: 0 }}>Their sessions and API tokens end at once. Runs they started stay in the history.</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'owner' && (
        <Modal title="Create the owner account" onClose={close}>
          <CreateOwnerForm onCreated={close} onCancel={close} />
        </Modal>
      )}
    </div>
  );
}
