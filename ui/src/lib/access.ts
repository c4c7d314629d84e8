// What the signed-in user's role lets the UI offer: the same order of roles as the server's policy (viewer < editor
// < admin < owner), so controls a role may not use are disabled with the reason. The server refuses anyway.
import type { Me, Role } from '../api/client';

export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin', 'owner'];

/** What each role may do, as the server's policy says, for hints beside a role's name. */
export const ROLE_HINTS: Record<Role, string> = {
  viewer: 'Reads pipelines, runs, triggers and files',
  editor: 'Also edits pipelines, blocks and files, and runs them',
  admin: 'Also manages users, triggers and settings; terminal and Python',
  owner: 'An admin who also manages owners',
};

/** Whether `role` may do what `needed` may. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

function withArticle(role: Role): string {
  return `${role === 'viewer' ? 'a' : 'an'} ${role}`;
}

export interface Access {
  /** The signed-in user's role; `owner` on an open server (no user yet: anyone may do anything); null if unknown. */
  role: Role | null;
  /** Whether no one signs in (loopback, no user yet). */
  open: boolean;
  /** Why the user may not do what `needed` may, a sentence naming both roles ("Running a block needs the editor
   * role or higher; you are a viewer.", `what` its subject); null when it may, or when that is not known (the server
   * decides). */
  denied: (needed: Role, what?: string) => string | null;
}

/** The access of the answer of `GET /me` (undefined while it loads or when it failed). */
export function accessOf(me: Me | undefined): Access {
  const open = !!me && !me.sign_in_required && !me.user;
  const role: Role | null = me?.user?.role ?? (open ? 'owner' : null);
  return {
    role,
    open,
    denied: (needed, what) => {
      if (role == null || allows(role, needed)) return null;
      return `${what ?? 'This'} needs the ${needed} role or higher; you are ${withArticle(role)}.`;
    },
  };
}

/**
 * Where the sign-in page sends the user afterwards: the `next` it was given when that is a page of this app (a path
 * on this origin), else the pipelines.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/sign-in')) return '/pipelines';
  return next;
}
