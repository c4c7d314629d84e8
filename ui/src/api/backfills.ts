// Backfills of a pipeline: the list, one backfill with its progress and runs, the preview of a date range, and
// creating, cancelling, retrying and deleting one. A change marks the lists and the runs stale.
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { $api, api, type BackfillInput, type QueryOptions } from './client';

function invalidateBackfills(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: ['get', '/pipelines/{uuid}/backfills'] });
  void qc.invalidateQueries({ queryKey: ['get', '/backfills/{id}'] });
  void qc.invalidateQueries({ queryKey: ['get', '/backfills/{id}/runs'] });
  void qc.invalidateQueries({ queryKey: ['get', '/runs'] });
}

export function useBackfills(uuid: string, options: QueryOptions = {}) {
  return $api.useQuery('get', '/pipelines/{uuid}/backfills', { params: { path: { uuid } } }, options);
}

export function useBackfillRuns(id: number, options: QueryOptions = {}) {
  return $api.useQuery('get', '/backfills/{id}/runs', { params: { path: { id } } }, options);
}

export interface PreviewRange {
  start_datetime: string;
  end_datetime: string;
  interval_type: NonNullable<BackfillInput['interval_type']>;
  interval_units: number;
}

export function useBackfillPreview(uuid: string, range: PreviewRange | null, options: QueryOptions = {}) {
  return $api.useQuery(
    'get',
    '/pipelines/{uuid}/backfills/preview',
    { params: { path: { uuid }, query: range ?? { start_datetime: '', end_datetime: '', interval_type: 'day', interval_units: 1 } } },
    { ...options, enabled: range !== null && (options.enabled ?? true) },
  );
}

export function useCreateBackfill() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ pipeline, backfill }: { pipeline: string; backfill: BackfillInput }) =>
      (await api.POST('/pipelines/{uuid}/backfills', { params: { path: { uuid: pipeline } }, body: backfill })).data,
    onSuccess: () => invalidateBackfills(qc),
  });
}

export function useCancelBackfill() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id }: { id: number }) => (await api.POST('/backfills/{id}/cancel', { params: { path: { id } } })).data,
    onSuccess: () => invalidateBackfills(qc),
  });
}

export function useRetryBackfill() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id }: { id: number }) => (await api.POST('/backfills/{id}/retry', { params: { path: { id } } })).data,
    onSuccess: () => invalidateBackfills(qc),
  });
}

export function useDeleteBackfill() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id }: { id: number }) => {
      await api.DELETE('/backfills/{id}', { params: { path: { id } } });
    },
    onSuccess: () => invalidateBackfills(qc),
  });
}
