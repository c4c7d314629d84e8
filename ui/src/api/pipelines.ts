// Pipelines: the list, one pipeline's detail, and creating, renaming, cloning and deleting one.
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { $api, api, type PipelineDetail, type QueryOptions } from './client';

/** Marks every pipeline list stale (names, block and trigger counts, last runs). */
export function invalidatePipelineList(qc: QueryClient): Promise<void> {
  return qc.invalidateQueries({ queryKey: ['get', '/pipelines'] });
}

/** Puts a pipeline's detail as the server answered it into the cache, and marks the list stale. */
export function storePipelineDetail(qc: QueryClient, uuid: string, detail: PipelineDetail | undefined) {
  if (detail) qc.setQueryData($api.queryOptions('get', '/pipelines/{uuid}', { params: { path: { uuid } } }).queryKey, detail);
  void qc.invalidateQueries({ queryKey: ['get', '/pipelines'], exact: true });
}

export function usePipelines(options: QueryOptions = {}) {
  return $api.useQuery('get', '/pipelines', {}, options);
}

export function usePipeline(uuid: string, options: QueryOptions = {}) {
  return $api.useQuery('get', '/pipelines/{uuid}', { params: { path: { uuid } } }, options);
}

export function useCreatePipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ name }: { name: string }) => (await api.POST('/pipelines', { body: { name } })).data,
    onSuccess: () => void invalidatePipelineList(qc),
  });
}

export function useRenamePipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ uuid, name }: { uuid: string; name: string }) =>
      (await api.PUT('/pipelines/{uuid}', { params: { path: { uuid } }, body: { name } })).data,
    onSuccess: () => void invalidatePipelineList(qc),
  });
}

export function useClonePipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ uuid, name }: { uuid: string; name: string }) =>
      (await api.POST('/pipelines/{uuid}/clone', { params: { path: { uuid } }, body: { name } })).data,
    onSuccess: () => void invalidatePipelineList(qc),
  });
}

export function useDeletePipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ uuid }: { uuid: string }) => {
      await api.DELETE('/pipelines/{uuid}', { params: { path: { uuid } } });
    },
    onSuccess: () => void invalidatePipelineList(qc),
  });
}
