// Users (admins: list, add, change role or password, remove) and the signed-in user's own API tokens (list, create:
// the value comes back once, revoke).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { $api, api, type QueryOptions, type Role } from './client';

export function useUsers(options: QueryOptions = {}) {
  return $api.useQuery('get', '/users', {}, options);
}

function useInvalidateUsers() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['get', '/users'] });
    // The signed-in user may have changed its own role.
    void qc.invalidateQueries({ queryKey: ['get', '/me'] });
  };
}

export function useAddUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: async (user: { email: string; password: string; role: Role }) => (await api.POST('/users', { body: user })).data,
    onSuccess: invalidate,
  });
}

/** A new role, a new password (which ends the user's sessions), or both. */
export function useUpdateUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: async ({ id, role, password }: { id: number; role?: Role; password?: string }) =>
      (await api.PUT('/users/{id}', { params: { path: { id } }, body: { role, password } })).data,
    onSuccess: invalidate,
  });
}

export function useRemoveUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: async ({ id }: { id: number }) => {
      await api.DELETE('/users/{id}', { params: { path: { id } } });
    },
    onSuccess: invalidate,
  });
}

export function useTokens(options: QueryOptions = {}) {
  return $api.useQuery('get', '/tokens', {}, options);
}

/** Creates a token; the answer carries its value, which the server never shows again. */
export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (token: { name: string; expires_in_days: number | null }) => (await api.POST('/tokens', { body: token })).data,
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['get', '/tokens'] }),
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id }: { id: number }) => {
      await api.DELETE('/tokens/{id}', { params: { path: { id } } });
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['get', '/tokens'] }),
  });
}
