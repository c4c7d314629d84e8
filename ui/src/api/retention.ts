// Retention: deleting runs (one, or a selection) with their block runs, outputs and logs, and what outputs and
// logs take on the disk with the retention periods in force (Settings).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { $api, api, type QueryOptions, type Schemas } from './client';
import { invalidateRunList } from './runs';

export type DiskUsage = Schemas['DiskUsageDto'];
export type DeletedRuns = Schemas['DeletedRunsDto'];

/** Deletes one finished run (a run still going is refused: cancel it first). */
export function useDeleteRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number): Promise<DeletedRuns | undefined> =>
      (await api.DELETE('/runs/{id}', { params: { path: { id } } })).data,
    onSuccess: () => {
      void invalidateRunList(qc);
      void qc.invalidateQueries({ queryKey: ['get', '/disk_usage'] });
    },
  });
}

/** Deletes the finished runs `ids` (none if one of them is still going). */
export function useDeleteRuns() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (ids: number[]): Promise<DeletedRuns | undefined> => (await api.POST('/runs/delete', { body: { ids } })).data,
    onSuccess: () => {
      void invalidateRunList(qc);
      void qc.invalidateQueries({ queryKey: ['get', '/disk_usage'] });
    },
  });
}

/** The retention periods and the disk used by outputs and logs, per pipeline. */
export function useDiskUsage(options: QueryOptions = {}) {
  return $api.useQuery('get', '/disk_usage', {}, { staleTime: 10_000, ...options });
}
