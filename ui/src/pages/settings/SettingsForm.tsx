// The project settings form: concurrency and the default retry policy of every block, validated, then saved to
// metadata.yaml.
import { useState } from 'react';
import { Save } from 'lucide-react';
import type { Settings } from '../../api/client';
import { useAccess } from '../../api/auth';
import { useUpdateSettings } from '../../api/project';
import { Alert, ErrorAlert, Spinner } from '../../components/ui';

interface Form {
  concurrency: string;
  retries: string;
  delay: string;
  maxDelay: string;
  exponentialBackoff: boolean;
}

function toForm(s: Settings): Form {
  const r = (s.retry_config ?? {}) as Record<string, unknown>;
  const str = (v: unknown, d = '') => (v == null ? d : String(v as number));
  return {
    concurrency: str(s.concurrency),
    retries: str(r.retries, '0'),
    delay: str(r.delay, '5'),
    maxDelay: str(r.max_delay, '60'),
    exponentialBackoff: r.exponential_backoff !== false,
  };
}

function formErrors(f: Form): Partial<Record<keyof Form, string>> {
  const e: Partial<Record<keyof Form, string>> = {};
  if (f.concurrency.trim() && !/^[1-9]\d*$/.test(f.concurrency.trim())) e.concurrency = 'A whole number, at least 1 (empty: the default).';
  if (!/^\d+$/.test(f.retries.trim())) e.retries = 'A whole number, 0 or more.';
  if (!/^\d+(\.\d+)?$/.test(f.delay.trim())) e.delay = 'Seconds, 0 or more.';
  if (!/^\d+(\.\d+)?$/.test(f.maxDelay.trim())) e.maxDelay = 'Seconds, 0 or more.';
  return e;
}

export function SettingsForm({ initial }: { initial: Settings }) {
  const [base, setBase] = useState(initial);
  const [form, setForm] = useState<Form>(() => toForm(initial));
  const [saved, setSaved] = useState(false);
  const update = useUpdateSettings();
  const denied = useAccess().denied('admin', 'Changing the project settings');

  const errors = formErrors(form);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [k]: v }));
  };

  const save = () => {
    if (Object.keys(errors).length) return;
    const retry = { ...((base.retry_config ?? {}) as Record<string, unknown>) };
    retry.retries = Number(form.retries);
    retry.delay = Number(form.delay);
    retry.max_delay = Number(form.maxDelay);
    retry.exponential_backoff = form.exponentialBackoff;
    update.mutate(
      { concurrency: form.concurrency.trim() ? Number(form.concurrency) : null, retry_config: retry },
      {
        onSuccess: (data) => {
          if (data) {
            setBase(data);
            setForm(toForm(data));
          }
          setSaved(true);
        },
      },
    );
  };

  return (
    <form
      className="form-section"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div className="field">
        <label htmlFor="s-concurrency">Concurrency</label>
        <input id="s-concurrency" className="input" inputMode="numeric" value={form.concurrency} onChange={(e) => set('concurrency', e.target.value)} style={{ maxWidth: 160 }} />
        <span className={errors.concurrency ? 'field__error' : 'field__hint'}>{errors.concurrency ?? 'How many blocks run at once (queue_config.concurrency).'}</span>
      </div>
      <h3 style={{ marginTop: 4 }}>Default retry policy of every block</h3>
      <div className="form-grid form-grid--3">
        <div className="field">
          <label htmlFor="s-retries">Retries</label>
          <input id="s-retries" className="input" inputMode="numeric" value={form.retries} onChange={(e) => set('retries', e.target.value)} />
          {errors.retries && <span className="field__error">{errors.retries}</span>}
        </div>
        <div className="field">
          <label htmlFor="s-delay">Delay (s)</label>
          <input id="s-delay" className="input" inputMode="decimal" value={form.delay} onChange={(e) => set('delay', e.target.value)} />
          {errors.delay && <span className="field__error">{errors.delay}</span>}
        </div>
        <div className="field">
          <label htmlFor="s-max-delay">Max delay (s)</label>
          <input id="s-max-delay" className="input" inputMode="decimal" value={form.maxDelay} onChange={(e) => set('maxDelay', e.target.value)} />
          {errors.maxDelay && <span className="field__error">{errors.maxDelay}</span>}
        </div>
      </div>
      <label className="check">
        <input type="checkbox" checked={form.exponentialBackoff} onChange={(e) => set('exponentialBackoff', e.target.checked)} />
        <span className="check__text">
          <span>Exponential backoff</span>
          <small>Each retry waits twice as long as the one before, up to the max delay.</small>
        </span>
      </label>
      <ErrorAlert error={update.error} title="Could not save the settings" />
      {saved && <Alert tone="success">Settings saved.</Alert>}
      <div className="row">
        <button type="submit" className="btn btn--primary" disabled={!!denied || update.isPending || Object.keys(errors).length > 0} title={denied ?? undefined}>
          {update.isPending ? <Spinner /> : <Save />} Save settings
        </button>
        {denied && <span className="muted small">{denied}</span>}
      </div>
    </form>
  );
}
