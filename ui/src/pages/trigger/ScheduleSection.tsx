// The schedule of a time trigger: frequency (a preset or a cron expression), time zone, start and end.
import { useMemo } from 'react';
import { PRESET_LABELS, PRESETS } from '../../lib/schedule';
import { timeZones } from '../../lib/timezone';
import { Field, type SectionProps } from './Field';

export function ScheduleSection({ values, set, shown }: SectionProps) {
  const zones = useMemo(() => timeZones(), []);
  return (
    <section className="form-section">
      <h2>Schedule</h2>
      <div className="form-grid">
        <Field label="Frequency" htmlFor="t-freq">
          <select id="t-freq" className="select" value={values.frequency} onChange={(e) => set('frequency', e.target.value)}>
            {PRESETS.map((p) => (
              <option key={p} value={p}>
                {PRESET_LABELS[p]} ({p})
              </option>
            ))}
            <option value="custom">Custom (cron expression)</option>
          </select>
        </Field>
        <Field label="Time zone" htmlFor="t-tz" hint="The schedule and the dates below are in this zone.">
          <select id="t-tz" className="select" value={values.timezone} onChange={(e) => set('timezone', e.target.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </Field>
        {values.frequency === 'custom' && (
          <Field
            label="Cron expression"
            htmlFor="t-cron"
            className="span-2"
            error={shown.cron}
            hint="minute hour day-of-month month day-of-week, e.g. 30 2 * * 1-5"
          >
            <input id="t-cron" className={`input input--mono${shown.cron ? ' input--invalid' : ''}`} value={values.cron} onChange={(e) => set('cron', e.target.value)} />
          </Field>
        )}
        <Field label="Start" htmlFor="t-start" error={shown.start} hint={values.frequency === '@once' ? 'When the single run happens (empty: as soon as enabled).' : 'No run before this (optional).'}>
          <input id="t-start" type="datetime-local" className={`input${shown.start ? ' input--invalid' : ''}`} value={values.start} onChange={(e) => set('start', e.target.value)} />
        </Field>
        <Field label="End" htmlFor="t-end" error={shown.end} hint="No run after this (optional).">
          <input id="t-end" type="datetime-local" className={`input${shown.end ? ' input--invalid' : ''}`} value={values.end} onChange={(e) => set('end', e.target.value)} />
        </Field>
      </div>
    </section>
  );
}
