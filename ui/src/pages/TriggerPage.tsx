// Create or edit a trigger: schedule (presets or cron with a preview of the next runs), API endpoint, variables,
// settings and status. Validation lives in lib/triggerForm.ts.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { Play, Trash2 } from 'lucide-react';
import type { Trigger } from '../api/client';
import { usePipelines } from '../api/pipelines';
import { useCreateTrigger, useDeleteTrigger, useTrigger, useUpdateTrigger } from '../api/triggers';
import { RunNowDialog } from '../components/RunNowDialog';
import { Alert, ConfirmDialog, CopyButton, ErrorAlert, KeyValueEditor, Loading, Spinner } from '../components/ui';
import { formatInZone } from '../lib/format';
import { describeInterval, nextRuns, PRESET_LABELS, PRESETS } from '../lib/schedule';
import { browserTimeZone, timeZones, wallTimeToIso } from '../lib/timezone';
import {
  CATCH_UP_HELP,
  curlCommand,
  defaultTriggerForm,
  fromTrigger,
  hasErrors,
  intervalOf,
  toTriggerInput,
  validateTriggerForm,
  type CatchUp,
  type TriggerFormValues,
} from '../lib/triggerForm';

function Field({ label, htmlFor, hint, error, children, className }: { label: string; htmlFor?: string; hint?: ReactNode; error?: string; children: ReactNode; className?: string }) {
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? <span className="field__error">{error}</span> : hint ? <span className="field__hint">{hint}</span> : null}
    </div>
  );
}

export default function TriggerPage() {
  const { uuid, id } = useParams();
  const triggerId = id != null ? Number(id) : null;
  const existing = useTrigger(triggerId ?? 0, { enabled: triggerId != null });
  if (triggerId != null) {
    if (existing.isPending) return <Loading what="Loading the trigger" />;
    if (existing.error || !existing.data) {
      return (
        <div className="page">
          <div className="breadcrumbs">
            <Link to="/triggers">Triggers</Link> / #{id}
          </div>
          <ErrorAlert error={existing.error} title="Could not load the trigger" onRetry={() => void existing.refetch()} />
        </div>
      );
    }
    return <TriggerEditor key={existing.data.id} trigger={existing.data} pipeline={existing.data.pipeline_uuid} />;
  }
  return <TriggerEditor pipeline={uuid} />;
}

function TriggerEditor({ trigger, pipeline }: { trigger?: Trigger; pipeline?: string }) {
  const navigate = useNavigate();
  const location = useLocation();
  const zones = useMemo(() => timeZones(), []);
  const [values, setValues] = useState<TriggerFormValues>(() => (trigger ? fromTrigger(trigger) : defaultTriggerForm(browserTimeZone())));
  const [pipelineChoice, setPipelineChoice] = useState(pipeline ?? '');
  const [submitted, setSubmitted] = useState(false);
  const [saved, setSaved] = useState(!!(location.state as { created?: boolean } | null)?.created);
  const [runNow, setRunNow] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const pipelines = usePipelines({ enabled: !pipeline });
  const create = useCreateTrigger();
  const update = useUpdateTrigger();
  const remove = useDeleteTrigger();
  const save = trigger ? update : create;
  const saving = save.isPending;

  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 4000);
    return () => clearTimeout(t);
  }, [saved]);

  const errors = validateTriggerForm(values);
  const shown = submitted ? errors : { cron: errors.cron, end: errors.end };
  const set = <K extends keyof TriggerFormValues>(key: K, value: TriggerFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const interval = intervalOf(values);
  const description = interval ? describeInterval(interval) : null;
  const preview = useMemo(() => {
    if (!interval || errors.cron) return [];
    const start = values.start ? wallTimeToIso(values.start, values.timezone) : null;
    const end = values.end ? wallTimeToIso(values.end, values.timezone) : null;
    return nextRuns({
      interval,
      timezone: values.timezone,
      start: start ? new Date(start) : null,
      end: end ? new Date(end) : null,
    });
  }, [interval, errors.cron, values.start, values.end, values.timezone]);

  const target = trigger?.pipeline_uuid ?? pipelineChoice;
  const listHref = target ? `/pipelines/${encodeURIComponent(target)}/triggers` : '/triggers';

  const submit = () => {
    setSubmitted(true);
    if (hasErrors(errors) || !target) {
      // Bring the first field to fix into view.
      const order: [boolean, string][] = [
        [!!errors.name, 't-name'],
        [!target, 't-pipeline'],
        [!!errors.cron, 't-cron'],
        [!!errors.start, 't-start'],
        [!!errors.end, 't-end'],
        [!!errors.timeout, 't-timeout'],
        [!!errors.pipelineRunLimit, 't-limit'],
      ];
      const first = order.find(([bad]) => bad)?.[1];
      const el = first ? document.getElementById(first) : null;
      el?.focus();
      el?.scrollIntoView({ block: 'center' });
      return;
    }
    const body = toTriggerInput(values);
    if (trigger) update.mutate({ id: trigger.id, trigger: body }, { onSuccess: (result) => setSaved(!!result) });
    else {
      create.mutate(
        { pipeline: target, trigger: body },
        {
          onSuccess: (result) => {
            if (result) void navigate(`/triggers/${String(result.id)}`, { state: { created: true } });
          },
        },
      );
    }
  };

  const apiUrl = trigger?.api_url ? window.location.origin + trigger.api_url : null;

  return (
    <div className="page">
      <div className="page-header">
        <div className="page-header__title">
          <div className="breadcrumbs">
            <Link to="/triggers">Triggers</Link> /
            {target && (
              <>
                <Link to={listHref}>{target}</Link> /
              </>
            )}
          </div>
          <h1>{trigger ? trigger.name : 'New trigger'}</h1>
        </div>
        <div className="page-header__actions">
          {trigger && (
            <>
              <button type="button" className="btn" onClick={() => setRunNow(true)} data-testid="trigger-run-now">
                <Play /> Run pipeline now
              </button>
              <button type="button" className="btn btn--danger" onClick={() => setDeleting(true)}>
                <Trash2 /> Delete
              </button>
            </>
          )}
        </div>
      </div>

      {saved && <Alert tone="success">Trigger saved.</Alert>}

      {apiUrl && (
        <div className="card" data-testid="api-endpoint">
          <div className="card__header">
            <h2>API endpoint</h2>
            <span className="muted small">A POST to this URL starts a run at once. Variables in the body override the trigger’s.</span>
          </div>
          <div className="card__body form-section">
            <div className="field">
              <span className="field__label">URL</span>
              <div className="code-line">
                <pre className="mono" data-testid="api-url">{apiUrl}</pre>
                <CopyButton text={apiUrl} />
              </div>
            </div>
            <div className="field">
              <span className="field__label">Example</span>
              <div className="code-line">
                <pre className="mono" data-testid="api-curl">{curlCommand(apiUrl)}</pre>
                <CopyButton text={curlCommand(apiUrl)} />
              </div>
            </div>
          </div>
        </div>
      )}

      <form
        className="trigger-layout"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="card">
          <div className="card__body" style={{ display: 'flex', flexDirection: 'column', gap: 18 }}>
            <section className="form-section">
              <div className="form-grid">
                <Field label="Name" htmlFor="t-name" error={shown.name}>
                  <input id="t-name" className={`input${shown.name ? ' input--invalid' : ''}`} value={values.name} onChange={(e) => set('name', e.target.value)} placeholder="e.g. nightly" />
                </Field>
                {!trigger && !pipeline ? (
                  <Field label="Pipeline" htmlFor="t-pipeline" error={submitted && !pipelineChoice ? 'Choose a pipeline.' : undefined}>
                    <select id="t-pipeline" className="select" value={pipelineChoice} onChange={(e) => setPipelineChoice(e.target.value)}>
                      <option value="">Choose…</option>
                      {(pipelines.data ?? []).filter((p) => !p.error).map((p) => (
                        <option key={p.uuid} value={p.uuid}>
                          {p.name}
                        </option>
                      ))}
                    </select>
                  </Field>
                ) : (
                  <Field label="Pipeline">
                    <input className="input" value={target} readOnly disabled />
                  </Field>
                )}
                <Field label="Description" htmlFor="t-desc" className="span-2">
                  <input id="t-desc" className="input" value={values.description} onChange={(e) => set('description', e.target.value)} placeholder="Optional" />
                </Field>
                <div className="field">
                  <span className="field__label">Type</span>
                  <div className="segmented" role="group" aria-label="Trigger type">
                    <button type="button" aria-pressed={values.scheduleType === 'time'} onClick={() => set('scheduleType', 'time')}>
                      Schedule
                    </button>
                    <button type="button" aria-pressed={values.scheduleType === 'api'} onClick={() => set('scheduleType', 'api')}>
                      API
                    </button>
                  </div>
                </div>
                <div className="field">
                  <span className="field__label">Status</span>
                  <label className="check">
                    <input type="checkbox" checked={values.active} onChange={(e) => set('active', e.target.checked)} />
                    <span className="check__text">
                      <span>Active</span>
                      <small>{values.scheduleType === 'api' ? 'An inactive API trigger refuses calls.' : 'An inactive schedule starts no runs.'}</small>
                    </span>
                  </label>
                </div>
              </div>
            </section>

            {values.scheduleType === 'time' && (
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
            )}

            <section className="form-section">
              <h2>Variables</h2>
              <p className="form-section__sub">Passed to every block as keyword arguments; they override the pipeline’s variables.</p>
              <KeyValueEditor rows={values.variables} onChange={(rows) => set('variables', rows)} />
              {shown.variables && <span className="field__error">{shown.variables}</span>}
            </section>

            <section className="form-section">
              <h2>Settings</h2>
              <label className="check">
                <input type="checkbox" checked={values.skipIfPreviousRunning} onChange={(e) => set('skipIfPreviousRunning', e.target.checked)} />
                <span className="check__text">
                  <span>Skip run if previous run still in progress</span>
                  <small>A slot is skipped while an earlier run of this trigger is still going.</small>
                </span>
              </label>
              <label className="check">
                <input type="checkbox" checked={values.allowBlocksToFail} onChange={(e) => set('allowBlocksToFail', e.target.checked)} />
                <span className="check__text">
                  <span>Keep running pipeline even if blocks fail</span>
                  <small>Blocks that do not depend on a failed block still run.</small>
                </span>
              </label>
              <label className="check">
                <input type="checkbox" checked={values.createInitialPipelineRun} onChange={(e) => set('createInitialPipelineRun', e.target.checked)} />
                <span className="check__text">
                  <span>Create initial pipeline run</span>
                  <small>Run the slot that is current when the trigger is enabled, instead of waiting for the next one.</small>
                </span>
              </label>
              <div className="form-grid form-grid--3">
                <Field label="Timeout (seconds)" htmlFor="t-timeout" error={shown.timeout} hint="Empty: no timeout.">
                  <input id="t-timeout" className={`input${shown.timeout ? ' input--invalid' : ''}`} inputMode="decimal" value={values.timeout} onChange={(e) => set('timeout', e.target.value)} placeholder="e.g. 3600" />
                </Field>
                <Field label="Status after a timeout" htmlFor="t-timeout-status">
                  <select id="t-timeout-status" className="select" value={values.timeoutStatus} onChange={(e) => set('timeoutStatus', e.target.value as 'failed' | 'cancelled')}>
                    <option value="failed">Failed</option>
                    <option value="cancelled">Cancelled</option>
                  </select>
                </Field>
                <Field label="Pipeline run limit" htmlFor="t-limit" error={shown.pipelineRunLimit} hint="At most this many runs at once.">
                  <input id="t-limit" className={`input${shown.pipelineRunLimit ? ' input--invalid' : ''}`} inputMode="numeric" value={values.pipelineRunLimit} onChange={(e) => set('pipelineRunLimit', e.target.value)} placeholder="No limit" />
                </Field>
              </div>
              {values.scheduleType === 'time' && (
                <div className="field">
                  <span className="field__label">Catch up on missed runs</span>
                  <div className="choice-list" role="radiogroup" aria-label="Catch up">
                    {(['none', 'latest', 'all'] as CatchUp[]).map((c) => (
                      <label key={c} className={`choice${values.catchUp === c ? ' choice--selected' : ''}`}>
                        <input type="radio" name="catch_up" checked={values.catchUp === c} onChange={() => set('catchUp', c)} />
                        <span style={{ textTransform: 'capitalize', minWidth: 52, fontWeight: 600 }}>{c}</span>
                        <span className="muted small">{CATCH_UP_HELP[c]}</span>
                      </label>
                    ))}
                  </div>
                </div>
              )}
            </section>

            <ErrorAlert error={save.error} title="Could not save the trigger" />
            {submitted && hasErrors(errors) && <Alert tone="error">Fix the fields marked in red.</Alert>}
            <div className="row">
              <button type="submit" className="btn btn--primary" disabled={saving} data-testid="save-trigger">
                {saving && <Spinner />} {trigger ? 'Save changes' : 'Create trigger'}
              </button>
              <Link className="btn" to={listHref}>
                Cancel
              </Link>
            </div>
          </div>
        </div>

        <aside className="card" data-testid="schedule-preview">
          <div className="card__header">
            <h2>{values.scheduleType === 'api' ? 'API trigger' : 'Next runs'}</h2>
          </div>
          <div className="card__body form-section">
            {values.scheduleType === 'api' ? (
              <span className="muted">
                {trigger ? 'Call the endpoint above to start a run.' : 'After saving, this page shows the URL to call and a ready curl command.'}
              </span>
            ) : errors.cron ? (
              <span className="field__error">{errors.cron}</span>
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
      </form>

      {runNow && trigger && (
        <RunNowDialog
          pipeline={trigger.pipeline_uuid}
          triggerId={trigger.id}
          triggerName={trigger.name}
          onClose={() => setRunNow(false)}
        />
      )}
      {deleting && trigger && (
        <ConfirmDialog
          title={`Delete trigger ${trigger.name}?`}
          error={remove.error}
          onConfirm={() => remove.mutate({ id: trigger.id }, { onSuccess: () => void navigate(listHref) })}
          onClose={() => setDeleting(false)}
        >
          <p style={{ margin: 0 }}>Its past runs stay in the history.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
