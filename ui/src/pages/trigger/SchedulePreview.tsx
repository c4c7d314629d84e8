// The side card of the trigger form: the schedule in words and its next runs in the chosen zone, or what an API
// trigger offers.
import { useMemo } from 'react';
import { formatInZone } from '../../lib/format';
import { describeInterval, nextRuns } from '../../lib/schedule';
import { wallTimeToIso } from '../../lib/timezone';
import { intervalOf, type TriggerFormValues } from '../../lib/triggerForm';

export function SchedulePreview({ values, cronError, exists }: { values: TriggerFormValues; cronError: string | undefined; exists: boolean }) {
  const interval = intervalOf(values);
  const description = interval ? describeInterval(interval) : null;
  const preview = useMemo(() => {
    if (!interval || cronError) return [];
    const start = values.start ? wallTimeToIso(values.start, values.timezone) : null;
    const end = values.end ? wallTimeToIso(values.end, values.timezone) : null;
    return nextRuns({
      interval,
      timezone: values.timezone,
      start: start ? new Date(start) : null,
      end: end ? new Date(end) : null,
    });
  }, [interval, cronError, values.start, values.end, values.timezone]);

  return (
    <aside className="card" data-testid="schedule-preview">
      <div className="card__header">
        <h2>{values.scheduleType === 'api' ? 'API trigger' : 'Next runs'}</h2>
      </div>
      <div className="card__body form-section">
        {values.scheduleType === 'api' ? (
          <span className="muted">
            {exists ? 'Call the endpoint above to start a run.' : 'After saving, this page shows the URL to call and a ready curl command.'}
          </span>
        ) : cronError ? (
          <span className="field__error">{cronError}</span>
        ) : (
          <>
            {description && <div className="describe">{description}</div>}
            {preview.length > 0 ? (
              <ol className="preview-list">
                {preview.map((d, i) => (
                  <li key={d.toISOString()}>
                    <span>{i + 1}</span>
                    <span>{formatInZone(d, values.timezone)}</span>
                  </li>
                ))}
              </ol>
            ) : (
              <span className="muted">No run in the chosen period.</span>
            )}
            <span className="muted small">Times in {values.timezone}.</span>
          </>
        )}
      </div>
    </aside>
  );
}
