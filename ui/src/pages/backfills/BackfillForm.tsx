// The new-backfill form: a date range with an interval (previewed as the dates it would run) or a JSON list of
// variable sets, optional variables for every run, and "Start backfill".
import { useState } from 'react';
import { Play } from 'lucide-react';
import { useBackfillPreview, useCreateBackfill } from '../../api/backfills';
import { Alert, ErrorAlert, Loading } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { emptyForm, INTERVAL_TYPES, toInput, toRange, type BackfillForm as FormValues } from '../../lib/backfillForm';

/** How many preview dates are listed (the count covers all). */
const SHOWN = 12;

export function BackfillForm({ pipeline, denied }: { pipeline: string; denied: string | null }) {
  const [form, setForm] = useState<FormValues>(emptyForm);
  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => setForm((old) => ({ ...old, [key]: value }));
  const range = form.mode === 'dates' ? toRange(form) : null;
  const previewRange = range && !('error' in range) ? range : null;
  const preview = useBackfillPreview(pipeline, previewRange, { retry: false });
  const create = useCreateBackfill();
  const checked = toInput(form);
  const [shownError, setShownError] = useState<string | null>(null);

  const start = () => {
    if (!checked.input) {
      setShownError(checked.error ?? 'The form is not complete.');
      return;
    }
    setShownError(null);
    create.mutate({ pipeline, backfill: checked.input }, { onSuccess: () => setForm(emptyForm()) });
  };

  return (
    <section className="card" data-testid="backfill-form">
      <div className="card__header">
        <h2>New backfill</h2>
      </div>
      <div className="card__body">
        <div className="form-grid">
          <div className="field">
            <label htmlFor="bf-name">Name</label>
            <input id="bf-name" className="input" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="Optional" />
          </div>
          <div className="field">
            <span className="field__label">Runs</span>
            <div className="segmented" role="group" aria-label="Backfill kind">
              <button type="button" aria-pressed={form.mode === 'dates'} onClick={() => set('mode', 'dates')}>
                Date range
              </button>
              <button type="button" aria-pressed={form.mode === 'sets'} onClick={() => set('mode', 'sets')}>
                Variable sets
              </button>
            </div>
          </div>
          {form.mode === 'dates' ? (
            <>
              <div className="field">
                <label htmlFor="bf-start">Start (UTC)</label>
                <input id="bf-start" type="datetime-local" className="input" value={form.start} onChange={(e) => set('start', e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="bf-end">End (UTC, included)</label>
                <input id="bf-end" type="datetime-local" className="input" value={form.end} onChange={(e) => set('end', e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="bf-interval">Interval</label>
                <select id="bf-interval" className="select" value={form.intervalType} onChange={(e) => set('intervalType', e.target.value as FormValues['intervalType'])}>
                  {INTERVAL_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {type === 'custom' ? 'custom (seconds)' : type}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="bf-units">Units</label>
                <input id="bf-units" type="number" min={1} className="input" value={form.units} onChange={(e) => set('units', e.target.value)} />
              </div>
            </>
          ) : (
            <div className="field span-2">
              <label htmlFor="bf-sets">Variable sets (JSON list: one run per object)</label>
              <textarea id="bf-sets" className="textarea mono" rows={5} value={form.sets} onChange={(e) => set('sets', e.target.value)} />
            </div>
          )}
          <div className="field span-2">
            <label htmlFor="bf-vars">Variables for every run (JSON object)</label>
            <textarea id="bf-vars" className="textarea mono" rows={2} value={form.variables} onChange={(e) => set('variables', e.target.value)} placeholder='{"region": "eu"}' />
          </div>
        </div>

        {form.mode === 'dates' && range && 'error' in range && form.start && form.end && <Alert tone="warning">{range.error}</Alert>}
        {previewRange && (
          <div className="backfill-preview" data-testid="backfill-preview">
            {preview.isPending && <Loading what="Previewing the dates" />}
            <ErrorAlert error={preview.error} title="These dates cannot be backfilled" />
            {preview.data && (
              <>
                <strong data-testid="backfill-preview-count">
                  {preview.data.length} run{preview.data.length === 1 ? '' : 's'}
                </strong>
                <ul className="cell-muted small">
                  {preview.data.slice(0, SHOWN).map((run) => (
                    <li key={run.execution_date}>
                      {formatDateTime(run.execution_date)} <span className="mono">{String(run.variables.execution_date)}</span>
                    </li>
                  ))}
                  {preview.data.length > SHOWN && <li>… and {preview.data.length - SHOWN} more</li>}
                </ul>
              </>
            )}
          </div>
        )}
        {form.mode === 'sets' && checked.input?.variable_sets && (
          <p className="cell-muted small" data-testid="backfill-preview-count">
            {checked.input.variable_sets.length} run{checked.input.variable_sets.length === 1 ? '' : 's'}, one per variable set
          </p>
        )}
        {shownError && <Alert tone="error">{shownError}</Alert>}
        <ErrorAlert error={create.error} title="Could not start the backfill" />
        <div className="toolbar">
          <button type="button" className="btn btn--primary" onClick={start} disabled={!!denied || create.isPending} title={denied ?? undefined} data-testid="start-backfill">
            <Play /> Start backfill
          </button>
        </div>
      </div>
    </section>
  );
}
