// A streaming run's live counters (GET /runs/{id}/stream): messages in, out per sink, lag, errors, last message.
// Read every second while the run is going.
import { $api } from './client';

export function useRunStream(id: number, live: boolean) {
  return $api.useQuery('get', '/runs/{id}/stream', { params: { path: { id } } }, {
    refetchInterval: live ? 1000 : false,
  });
}
