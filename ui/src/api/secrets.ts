// The project's secrets (admins): the list (names, when and by whom each was set; never values), setting a value
// (create or replace) and deleting one. Values only ever go to the server.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { $api, api, type QueryOptions } from './client';

export function useSecrets(options: QueryOptions = {}) {
  return $api.useQuery('get', '/secrets', {}, { retry: false, ...options });
}

function invalidateSecrets(qc: ReturnType<typeof useQueryClient>) {
  void qc.invalidateQueries({ queryKey: ['get', '/secrets'] });
}

/** Creates a secret or replaces its value. */
export function useSetSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, value }: { name: string; value: string }) =>
      (await api.PUT('/secrets/{name}', { params: { path: { name } }, body: { value } })).data,
    onSuccess: () => invalidateSecrets(qc),
  });
}

export function useDeleteSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ name }: { name: string }) => {
      await api.DELETE('/secrets/{name}', { params: { path: { name } } });
    },
    onSuccess: () => invalidateSecrets(qc),
  });
}
