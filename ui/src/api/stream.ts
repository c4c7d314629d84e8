// Streams: a streaming run's live counters (GET /runs/{id}/stream: messages in, out per sink, lag, errors, last
// message; read every second while the run is going), and a streaming pipeline's controls (GET and POST
// /pipelines/{uuid}/stream: where it stands; start, stop, restart).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { $api, api, type StreamAction } from './client';
import { invalidateRun, invalidateRunList } from './runs';

export function useRunStream(id: number, live: boolean) {
  return $api.useQuery('get', '/runs/{id}/stream', { params: { path: { id } } }, {
    refetchInterval: live ? 1000 : false,
  });
}

/**
 * Where a pipeline's stream stands, read every 2 seconds for a streaming pipeline (its trigger starts runs, its runs
 * end on their own); `enabled` false reads nothing.
 */
export function usePipelineStream(uuid: string, enabled = true) {
  return $api.useQuery('get', '/pipelines/{uuid}/stream', { params: { path: { uuid } } }, {
    enabled,
    retry: false,
    refetchInterval: (q) => (q.state.data?.streaming ? 2000 : false),
  });
}

/** Starts, stops or restarts a streaming pipeline; marks its state, the runs it touched and the run list stale. */
export function useStreamAction(uuid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (action: StreamAction) =>
      (await api.POST('/pipelines/{uuid}/stream', { params: { path: { uuid } }, body: { action } })).data,
    onSuccess: (change) => {
      void qc.invalidateQueries({ queryKey: ['get', '/pipelines/{uuid}/stream', { params: { path: { uuid } } }] });
      for (const id of [...(change?.stopped ?? []), ...(change?.started != null ? [change.started] : [])]) {
        invalidateRun(qc, id);
      }
      void invalidateRunList(qc);
    },
  });
}
