// Who is signed in (`GET /me`), signing in and out, creating the owner on a server with no user yet, changing one's
// own password, and the access the role gives. Signing in or out drops every other cached answer: the next user
// must not see the last one's.
import { useEffect } from 'react';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { accessOf, type Access } from '../lib/access';
import { $api, api, onSignedOut, type Me, type User } from './client';

const SIGNED_OUT: Me = { user: null, via: null, sign_in_required: true };

function meKey() {
  return $api.queryOptions('get', '/me', {}).queryKey;
}

/** Keeps only the answer of `/me`, set to `me`: every other answer belonged to the previous user. */
function switchUser(qc: QueryClient, me: Me) {
  qc.removeQueries({ predicate: (q) => q.queryKey[1] !== '/me' });
  qc.setQueryData(meKey(), me);
}

/** Who is signed in, and whether sign-in is required. */
export function useMe() {
  return $api.useQuery('get', '/me', {}, { staleTime: 30_000 });
}

/** The access of the signed-in user's role (see `lib/access.ts`). */
export function useAccess(): Access {
  return accessOf(useMe().data);
}

/** Marks the user signed out whenever the server answers 401, so the app asks to sign in. Mounted once, by the app. */
export function useSignedOutWatch() {
  const qc = useQueryClient();
  useEffect(
    () =>
      onSignedOut(() => {
        qc.setQueryData(meKey(), (me: Me | undefined) => (me && !me.user && me.sign_in_required ? me : SIGNED_OUT));
      }),
    [qc],
  );
}

async function signIn(email: string, password: string): Promise<User | undefined> {
  return (await api.POST('/sessions', { body: { email, password } })).data;
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ email, password }: { email: string; password: string }) => signIn(email, password),
    onSuccess: (user) => {
      if (user) switchUser(qc, { user, via: 'session', sign_in_required: true });
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.DELETE('/sessions');
    },
    onSuccess: () => switchUser(qc, SIGNED_OUT),
  });
}

/** Creates the first user, the owner, on a server that has none yet, and signs it in. */
export function useCreateOwner() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ email, password }: { email: string; password: string }) => {
      await api.POST('/users', { body: { email, password, role: 'owner' } });
      return signIn(email, password);
    },
    onSuccess: (user) => {
      if (user) switchUser(qc, { user, via: 'session', sign_in_required: true });
    },
  });
}

/** Changes the signed-in user's own password; its other sessions end. */
export function useChangePassword() {
  return useMutation({
    mutationFn: async (change: { current_password: string; new_password: string }) => {
      await api.PUT('/me/password', { body: change });
    },
  });
}
