// The audit trail: one page (newest first; `before` is the cursor of the page) of a pipeline's or a run's entries.
// The newest page is read again every 5 seconds, older pages not at all.
import { keepPreviousData } from '@tanstack/react-query';
import { $api } from './client';

export type AuditScope = { pipeline: string } | { run: number };

export const AUDIT_PAGE_SIZE = 50;

/** One page of the trail of `scope`, the previous page shown while the next loads. */
export function useAuditPage(scope: AuditScope, before?: number) {
  const query = { limit: AUDIT_PAGE_SIZE, ...(before != null ? { before } : {}) };
  const options = { placeholderData: keepPreviousData, refetchInterval: before == null ? 5000 : false } as const;
  // Both hooks are always called, so their order never changes; the one of the other scope is disabled.
  const pipeline = $api.useQuery(
    'get',
    '/pipelines/{uuid}/audit',
    { params: { path: { uuid: 'pipeline' in scope ? scope.pipeline : '' }, query } },
    { ...options, enabled: 'pipeline' in scope },
  );
  const run = $api.useQuery(
    'get',
    '/runs/{id}/audit',
    { params: { path: { id: 'run' in scope ? scope.run : 0 }, query } },
    { ...options, enabled: 'run' in scope },
  );
  return 'pipeline' in scope ? pipeline : run;
}
