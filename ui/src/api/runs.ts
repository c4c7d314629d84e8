// Pipeline runs: the paged list, one run with its block runs, a block's outputs and log pages; starting a run
// now (of a pipeline or of a trigger), cancelling and retrying one. Unfinished runs are polled every second.
import { keepPreviousData, useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { $api, api, type BlockRunStatus, type QueryOptions, type Run, type Schemas } from './client';
import type { operations } from './schema';
import { isFinished } from '../lib/blockTypes';

export type RunQuery = NonNullable<operations['runs_list']['parameters']['query']>;
type LogPage = Schemas['LogPageDto'];

/** Marks every page of the run list stale. */
export function invalidateRunList(qc: QueryClient): Promise<void> {
  return qc.invalidateQueries({ queryKey: ['get', '/runs'] });
}

/** Marks one run, its block runs (every page of instances too) and the run list stale. */
export function invalidateRun(qc: QueryClient, id: number) {
  const init = { params: { path: { id } } };
  void qc.invalidateQueries({ queryKey: ['get', '/runs/{id}', init] });
  void qc.invalidateQueries({ queryKey: ['get', '/runs/{id}/block_runs'], predicate: (q) => samePath(q.queryKey[2], id) });
  void qc.invalidateQueries({ queryKey: ['get', '/runs/{id}/block_groups', init] });
  void invalidateRunList(qc);
}

function samePath(init: unknown, id: number): boolean {
  return (init as { params?: { path?: { id?: number } } } | undefined)?.params?.path?.id === id;
}

/**
 * One page of runs, the previous page shown while the next loads. A page with an unfinished run is read again every
 * second; otherwise the newest page every 5 seconds and older pages not at all.
 */
export function useRunPage(query: RunQuery) {
  const newest = query.before == null;
  return $api.useQuery(
    'get',
    '/runs',
    { params: { query } },
    {
      placeholderData: keepPreviousData,
      refetchInterval: (q) => {
        const runs = q.state.data?.runs ?? [];
        if (runs.some((r) => !isFinished(r.status))) return 1000;
        return newest ? 5000 : false;
      },
    },
  );
}

/** One run, read every second until it is over. */
export function useRun(id: number) {
  return $api.useQuery('get', '/runs/{id}', { params: { path: { id } } }, {
    refetchInterval: (q) => (q.state.data && isFinished(q.state.data.status) ? false : 1000),
  });
}

/**
 * A run's own block runs (a dynamic child's instances are not among them: see `useBlockGroups` and `useInstances`),
 * read every second while the run or one of them is not over.
 */
export function useBlockRuns(id: number, runFinished: boolean) {
  return $api.useQuery('get', '/runs/{id}/block_runs', { params: { path: { id } } }, {
    refetchInterval: (q) => (!runFinished || (q.state.data ?? []).some((b) => !isFinished(b.status)) ? 1000 : false),
  });
}

/**
 * How many instances each dynamic child of a run has in each status, read every second while the run or one of them
 * is not over (a read from before the run ended may still count instances running).
 */
export function useBlockGroups(id: number, runFinished: boolean) {
  return $api.useQuery('get', '/runs/{id}/block_groups', { params: { path: { id } } }, {
    refetchInterval: (q) => {
      const open = (q.state.data ?? []).some((group) => Object.keys(group.counts).some((status) => !isFinished(status as BlockRunStatus)));
      return !runFinished || open ? 1000 : false;
    },
  });
}

export type InstanceQuery = { status?: BlockRunStatus; offset: number; limit: number };

/**
 * One page of the instances of dynamic child `block` (the page shown while the next loads), read every second while
 * the run or one of them is not over.
 */
export function useInstances(id: number, block: string, query: InstanceQuery, runFinished: boolean, options: QueryOptions = {}) {
  return $api.useQuery('get', '/runs/{id}/block_runs', { params: { path: { id }, query: { block, ...query } } }, {
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (!runFinished || (q.state.data ?? []).some((b) => !isFinished(b.status)) ? 1000 : false),
    ...options,
  });
}

export function useRunOutputs(id: number, block: string, options: QueryOptions = {}) {
  return $api.useQuery('get', '/runs/{id}/outputs/{block_uuid}', { params: { path: { id, block_uuid: block } } }, options);
}

/** One page of a block run's log from `cursor` (the log hook in pages/useBlockLog.ts pages and streams it). */
export async function readLogPage(id: number, block: string, cursor: number, limit: number): Promise<LogPage | undefined> {
  const { data }: { data?: LogPage } = await api.GET('/runs/{id}/logs/{block_uuid}', {
    params: { path: { id, block_uuid: block }, query: { cursor, limit } },
  });
  return data;
}

/** Starts a run now: of a trigger (with its variables) when `triggerId` is given, else of the pipeline alone. */
export function useStartRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ pipeline, triggerId, variables }: { pipeline: string; triggerId?: number; variables: Record<string, unknown> }): Promise<Run | undefined> => {
      const body = { variables };
      if (triggerId != null) return (await api.POST('/triggers/{id}/runs', { params: { path: { id: triggerId } }, body })).data;
      return (await api.POST('/pipelines/{uuid}/runs', { params: { path: { uuid: pipeline } }, body })).data;
    },
    onSuccess: () => void invalidateRunList(qc),
  });
}

export function useCancelRun(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => (await api.POST('/runs/{id}/cancel', { params: { path: { id } } })).data,
    onSuccess: () => invalidateRun(qc, id),
  });
}

/** Runs the failed blocks of a finished run again, or `fromBlock` and every block below it. */
export function useRetryRun(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ fromBlock }: { fromBlock?: string }) =>
      (await api.POST('/runs/{id}/retry', { params: { path: { id } }, body: fromBlock ? { from_block: fromBlock } : {} })).data,
    onSuccess: () => invalidateRun(qc, id),
  });
}

/** Reads one run, its block runs and the run list again (when a followed block's log ends). */
/**
 * Once a run this page saw going has ended, its block runs and dynamic children are read once more: their last reads,
 * taken up to a second before the run's, may predate the end (children created and finished in between).
 */
export function useReadAgainWhenEnded(id: number, runFinished: boolean) {
  const qc = useQueryClient();
  const sawGoing = useRef(false);
  useEffect(() => {
    if (!runFinished) {
      sawGoing.current = true;
    } else if (sawGoing.current) {
      sawGoing.current = false;
      invalidateRun(qc, id);
    }
  }, [qc, id, runFinished]);
}

export function useRefreshRun(id: number): () => void {
  const qc = useQueryClient();
  return () => invalidateRun(qc, id);
}
