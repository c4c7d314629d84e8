// The Notifications card of the run page: each message the run's end (or its passed SLA) sent to a channel of the
// project's notification_config, with its status (sent, pending, failed), attempts and the reason it failed.
import { useRunNotifications } from '../../api/notifications';
import { ErrorAlert, Loading } from '../../components/ui';
import { formatDateTime } from '../../lib/format';

const EVENTS: Record<string, string> = { failure: 'Failure', success: 'Success', passed_sla: 'SLA missed' };

/** The deliveries of one run; nothing when the run sent none. */
export function NotificationsCard({ runId, live }: { runId: number; live: boolean }) {
  const deliveries = useRunNotifications(runId, live);
  const rows = deliveries.data?.deliveries ?? [];
  if (deliveries.isSuccess && rows.length === 0) return null;
  return (
    <section className="card" aria-label="Notifications" data-testid="run-notifications">
      <div className="card__header">
        <h2>Notifications</h2>
      </div>
      <div className="card__body">
        <ErrorAlert error={deliveries.error} title="Could not load the notifications" onRetry={() => void deliveries.refetch()} />
        {deliveries.isPending && <Loading what="Loading notifications" />}
        {rows.length > 0 && (
          <div className="table-wrap">
            <table className="table table--compact" aria-label="Notifications">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Channel</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>When</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    <td>{EVENTS[row.event] ?? row.event}</td>
                    <td className="mono">{row.channel}</td>
                    <td>{row.status}</td>
                    <td>{row.attempts}</td>
                    <td>{formatDateTime(row.sent_at ?? row.next_attempt_at)}</td>
                    <td className="small">{row.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}
