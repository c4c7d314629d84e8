// A quiet line at the top of a page whose controls the signed-in user's role may not use: what it may not do, the role
// needed and its own, and who can change that. Nothing for a role that may.
import type { Role } from '../api/client';
import { useAccess } from '../api/auth';
import { Alert } from './ui';

export function RoleNotice({ needed, what }: { needed: Role; what: string }) {
  const denied = useAccess().denied(needed, what);
  if (!denied) return null;
  return (
    <Alert tone="info">
      <span data-testid="role-notice">
        {denied} An admin can change roles in Settings → Users.
      </span>
    </Alert>
  );
}
