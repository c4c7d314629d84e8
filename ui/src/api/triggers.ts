// Triggers: all of them, one pipeline's, one trigger; creating, replacing (also to enable or disable) and deleting
// one. A change also marks the pipeline list stale, since it shows each pipeline's trigger count.
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { $api, api, type QueryOptions, type Trigger, type TriggerInput, type TriggerStatus } from './client';
import { invalidatePipelineList } from './pipelines';

function invalidateTriggerLists(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: ['get', '/triggers'] });
  void qc.invalidateQueries({ queryKey: ['get', '/pipelines/{uuid}/triggers'] });
  void invalidatePipelineList(qc);
}

function storeTrigger(qc: QueryClient, trigger: Trigger | undefined) {
  if (trigger) qc.setQueryData($api.queryOptions('get', '/triggers/{id}', { params: { path: { id: trigger.id } } }).queryKey, trigger);
}

export function useTriggers(options: QueryOptions = {}) {
  return $api.useQuery('get', '/triggers', {}, options);
}

export function usePipelineTriggers(uuid: string, options: QueryOptions = {}) {
  return $api.useQuery('get', '/pipelines/{uuid}/triggers', { params: { path: { uuid } } }, options);
}

export function useTrigger(id: number, options: QueryOptions = {}) {
  return $api.useQuery('get', '/triggers/{id}', { params: { path: { id } } }, options);
}

export function useCreateTrigger() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ pipeline, trigger }: { pipeline: string; trigger: TriggerInput }) =>
      (await api.POST('/pipelines/{uuid}/triggers', { params: { path: { uuid: pipeline } }, body: trigger })).data,
    onSuccess: (created) => {
      invalidateTriggerLists(qc);
      storeTrigger(qc, created);
    },
  });
}

/** Replaces a trigger's whole definition (the server takes no partial update). */
export function useUpdateTrigger() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, trigger }: { id: number; trigger: TriggerInput }) =>
      (await api.PUT('/triggers/{id}', { params: { path: { id } }, body: trigger })).data,
    onSuccess: (updated) => {
      invalidateTriggerLists(qc);
      storeTrigger(qc, updated);
    },
  });
}

export function useDeleteTrigger() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id }: { id: number }) => {
      await api.DELETE('/triggers/{id}', { params: { path: { id } } });
    },
    onSuccess: () => invalidateTriggerLists(qc),
  });
}

/** A trigger's definition as it is, with only its status changed (the list's Enable/Disable). */
export function withStatus(t: Trigger, status: TriggerStatus): TriggerInput {
  return {
    name: t.name,
    description: t.description,
    schedule_type: t.schedule_type,
    schedule_interval: t.schedule_interval,
    timezone: t.timezone,
    start_time: t.start_time,
    end_time: t.end_time,
    variables: t.variables,
    settings: t.settings,
    status,
  };
}
