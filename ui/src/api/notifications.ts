// Notifications: the deliveries of a run (what was sent where, or why not), the project's channels (secrets masked)
// and "Send test" for one channel.
import { useMutation } from '@tanstack/react-query';
import { $api, api, type QueryOptions } from './client';

/** A run's deliveries, looked at again every 2 s while the run goes on (`live`) or a message waits to be sent. */
export function useRunNotifications(runId: number, live: boolean) {
  return $api.useQuery(
    'get',
    '/runs/{id}/notifications',
    { params: { path: { id: runId } } },
    {
      refetchInterval: (query) =>
        live || (query.state.data?.deliveries.some((row) => row.status === 'pending') ?? false) ? 2000 : false,
    },
  );
}

export function useNotificationChannels(options: QueryOptions = {}) {
  return $api.useQuery('get', '/notifications/channels', {}, options);
}

/** Sends a test message to one channel; the answer says whether it went out, and if not why. */
export function useSendTestNotification() {
  return useMutation({
    mutationFn: async ({ channel }: { channel: string }) =>
      (await api.POST('/notifications/test', { body: { channel } })).data,
  });
}
