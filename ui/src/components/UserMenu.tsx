// The signed-in user at the foot of the left bar: email and role, and a menu to change the password, reach the API
// tokens and sign out. On a server that needs no sign-in yet, a quiet offer to create the owner instead.
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ChevronsUpDown, LockOpen } from 'lucide-react';
import { useMe, useSignOut } from '../api/auth';
import { ChangePasswordDialog } from '../pages/account/ChangePasswordDialog';
import { CreateOwnerForm } from '../pages/account/CreateOwnerForm';
import { Menu, Modal } from './ui';

export function UserMenu() {
  const me = useMe();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const [dialog, setDialog] = useState<'password' | 'owner' | null>(null);
  const close = () => setDialog(null);
  const user = me.data?.user;

  if (!me.data || (!user && me.data.sign_in_required)) return null;
  if (!user) {
    return (
      <div className="user-chip user-chip--open" data-testid="open-access">
        <LockOpen aria-hidden="true" />
        <div className="user-chip__text">
          <span title="This server has no user yet: anyone who can reach it uses it without signing in.">No sign-in needed</span>
          <button type="button" className="user-chip__action" onClick={() => setDialog('owner')} data-testid="offer-owner">
            Set up an owner…
          </button>
        </div>
        {dialog === 'owner' && (
          <Modal title="Create the owner account" onClose={close}>
            <CreateOwnerForm onCreated={close} onCancel={close} />
          </Modal>
        )}
      </div>
    );
  }
  return (
    <div className="user-menu">
      <Menu
        direction="up"
        align="left"
        buttonClass="user-chip"
        testId="user-menu"
        ariaLabel={`${user.email}, ${user.role}: account menu`}
        header={
          <>
            <span className="muted small">Signed in as</span>
            <strong>{user.email}</strong>
          </>
        }
        label={
          <>
            <span className="user-chip__avatar" aria-hidden="true">
              {user.email.charAt(0).toUpperCase()}
            </span>
            <span className="user-chip__text">
              <span className="user-chip__email" title={user.email}>
                {user.email}
              </span>
              <span className="user-chip__role" data-testid="user-role">
                {user.role}
              </span>
            </span>
            <ChevronsUpDown aria-hidden="true" />
          </>
        }
        items={[
          { label: 'Change password…', onSelect: () => setDialog('password') },
          { label: 'API tokens', hint: 'Settings → API tokens', onSelect: () => void navigate('/settings#tokens') },
          'separator',
          { label: 'Sign out', onSelect: () => signOut.mutate() },
        ]}
      />
      {dialog === 'password' && <ChangePasswordDialog onClose={close} />}
    </div>
  );
}
