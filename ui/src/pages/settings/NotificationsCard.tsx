// The Notifications card of the Settings page: the channels of the project's notification_config (where each sends,
// secrets masked), when it alerts, what its settings say wrong, and a "Send test" button per channel (editors).
import { useState } from 'react';
import { useAccess } from '../../api/auth';
import { useNotificationChannels, useSendTestNotification } from '../../api/notifications';
import { Empty, ErrorAlert, Loading } from '../../components/ui';

const ALERTS: Record<string, string> = { failure: 'failure', success: 'success', passed_sla: 'SLA missed' };

/** The project's notification channels. */
export function NotificationsCard() {
  const channels = useNotificationChannels();
  const tester = useSendTestNotification();
  const denied = useAccess().denied('editor', 'Sending a test notification');
  const [results, setResults] = useState<Record<string, string>>({});

  const test = (channel: string) => {
    setResults((old) => ({ ...old, [channel]: 'Sending…' }));
    tester.mutate(
      { channel },
      {
        onSuccess: (answer) =>
          setResults((old) => ({ ...old, [channel]: answer?.sent ? 'Sent' : `Not sent: ${answer?.error ?? 'unknown error'}` })),
        onError: (error) => setResults((old) => ({ ...old, [channel]: `Not sent: ${error.message}` })),
      },
    );
  };

  const data = channels.data;
  return (
    <div className="card" data-testid="notifications-card">
      <div className="card__header">
        <h2>Notifications</h2>
      </div>
      <div className="card__body form-section">
        <p className="field__hint">
          From <code>notification_config</code> in the project&apos;s metadata.yaml (a pipeline&apos;s own replaces its
          keys). Alerts on: {data ? data.alert_on.map((event) => ALERTS[event] ?? event).join(', ') || 'nothing' : '…'}.
        </p>
        <ErrorAlert error={channels.error} title="Could not load the channels" onRetry={() => void channels.refetch()} />
        {channels.isPending && <Loading what="Loading channels" />}
        {data && data.problems.map((problem) => (
          <p key={problem} className="small" role="alert">
            {problem}
          </p>
        ))}
        {data && data.channels.length === 0 && <Empty title="No channel configured" />}
        {data && data.channels.length > 0 && (
          <div className="table-wrap">
            <table className="table table--compact" aria-label="Notification channels">
              <thead>
                <tr>
                  <th>Channel</th>
                  <th>Sends to</th>
                  <th />
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.channels.map((channel) => (
                  <tr key={channel.channel}>
                    <td className="mono">{channel.channel}</td>
                    <td className="mono small">{channel.target}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn--sm"
                        aria-label={`Send test to ${channel.channel}`}
                        disabled={!!denied || results[channel.channel] === 'Sending…'}
                        title={denied ?? undefined}
                        onClick={() => test(channel.channel)}
                      >
                        Send test
                      </button>
                    </td>
                    <td className="small" role="status">
                      {results[channel.channel] ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
