// The dashboard's and the timeline's reads: the overview of all pipelines and one pipeline's durations over a window
// of days (read again every 10 seconds), and a run's timeline (every second until the run is over).
import { keepPreviousData } from '@tanstack/react-query';
import { $api, type Schemas } from './client';
import { isFinished } from '../lib/blockTypes';

export type Overview = Schemas['OverviewDto'];
export type PipelineStats = Schemas['PipelineStatsDto'];
export type Timeline = Schemas['TimelineDto'];
export type TimelineBlock = Schemas['TimelineBlockDto'];

/** The windows the dashboard offers, in days. */
export const WINDOWS = [7, 30, 90] as const;

export function useOverview(days: number) {
  return $api.useQuery('get', '/overview', { params: { query: { days } } }, { placeholderData: keepPreviousData, refetchInterval: 10_000 });
}

export function usePipelineStats(uuid: string, days: number) {
  return $api.useQuery(
    'get',
    '/pipelines/{uuid}/stats',
    { params: { path: { uuid }, query: { days } } },
    { placeholderData: keepPreviousData, refetchInterval: 10_000 },
  );
}

export function useTimeline(id: number) {
  return $api.useQuery('get', '/runs/{id}/timeline', { params: { path: { id } } }, {
    refetchInterval: (q) => (q.state.data && isFinished(q.state.data.status) ? false : 1000),
  });
}
