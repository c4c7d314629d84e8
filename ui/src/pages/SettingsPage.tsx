// Project settings (metadata.yaml: concurrency and the default retry policy) and what the server runs on.
import { useState } from 'react';
import { Save } from 'lucide-react';
import type { Settings } from '../api/client';
import { useHealth, useInstallRequirements, useProject, usePython, useSettings, useUpdateSettings, type InstallResult } from '../api/project';
import { Alert, ErrorAlert, Loading, Spinner } from '../components/ui';

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

export function SettingsPage() {
  const settings = useSettings();
  const project = useProject();
  const health = useHealth();

  return (
    <div className="page">
      <div className="page-header">
        <div className="page-header__title">
          <h1>Settings</h1>
          <span className="page-header__sub">Project-wide defaults, stored in the project’s metadata.yaml.</span>
        </div>
      </div>
      <div className="settings-grid">
        <div className="card">
          <div className="card__header">
            <h2>Project settings</h2>
          </div>
          <div className="card__body form-section">
            <ErrorAlert error={settings.error} title="Could not load the settings" onRetry={() => void settings.refetch()} />
            {settings.isPending && <Loading what="Loading settings" />}
            {settings.data && <SettingsForm initial={settings.data} />}
          </div>
        </div>

        <div className="form-section" style={{ gap: 16 }}>
          <div className="card">
            <div className="card__header">
              <h2>Server</h2>
              {health.data && <span className="badge badge--success">{health.data.status}</span>}
            </div>
            <div className="card__body">
              <ErrorAlert error={project.error} title="Could not load the project" />
              {project.isPending && <Loading />}
              {project.data && (
                <dl className="info-list" data-testid="server-info">
                  <dt>Project</dt>
                  <dd>{project.data.name}</dd>
                  <dt>Root</dt>
                  <dd>{project.data.root}</dd>
                  <dt>Data folder</dt>
                  <dd>{project.data.data_dir}</dd>
                  <dt>Database</dt>
                  <dd>{project.data.database}</dd>
                  <dt>Version</dt>
                  <dd>{project.data.version}</dd>
                  <dt>Pipelines</dt>
                  <dd>{project.data.pipelines}</dd>
                </dl>
              )}
            </div>
          </div>
          <PythonCard />
        </div>
      </div>
    </div>
  );
}

/** The interpreter blocks run with, its packages, and installing requirements.txt with live output. */
function PythonCard() {
  const python = usePython();
  const installer = useInstallRequirements();
  const installing = installer.isPending;
  const [filter, setFilter] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [result, setResult] = useState<InstallResult | null>(null);

  const install = () => {
    setLines([]);
    setResult(null);
    installer.mutate(
      { onLine: (line) => setLines((previous) => [...previous, line]) },
      {
        onSuccess: (end) => setResult(end),
        onError: (e) => setResult({ ok: false, message: e instanceof Error ? e.message : String(e) }),
      },
    );
  };

  const packages = (python.data?.packages ?? [])
    .map(([name = '', version = '']) => ({ name, version }))
    .filter(({ name }) => name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div className="card" data-testid="python-card">
      <div className="card__header">
        <h2>Python environment</h2>
        <button type="button" className="btn btn--sm" disabled={installing} onClick={install}>
          {installing && <Spinner />} Install requirements.txt
        </button>
      </div>
      <div className="card__body">
        {python.isLoading && <Loading />}
        <ErrorAlert error={python.error} title="Could not read the Python environment" />
        {python.data && (
          <dl className="info-list" data-testid="python-info">
            <dt>Interpreter</dt>
            <dd className="mono">{python.data.interpreter ?? 'not created yet'}</dd>
            <dt>Version</dt>
            <dd>{python.data.version ?? '—'}</dd>
            <dt>Packages</dt>
            <dd>{python.data.packages.length}</dd>
          </dl>
        )}
        {python.data?.note && <p className="muted">{python.data.note}</p>}
        {(lines.length > 0 || installing) && (
          <pre className="install-log" aria-label="Installer output">
            {lines.join('\n')}
          </pre>
        )}
        {result && (
          <Alert tone={result.ok ? 'success' : 'error'}>
            <strong>{result.ok ? 'Installed' : 'Install failed'}</strong> {result.message}
          </Alert>
        )}
        {(python.data?.packages.length ?? 0) > 0 && (
          <>
            <input
              className="input"
              placeholder="Filter packages"
              aria-label="Filter packages"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            <div className="table-wrap package-list">
              <table className="table table--compact">
                <tbody>
                  {packages.map(({ name, version }) => (
                    <tr key={name}>
                      <td className="mono">{name}</td>
                      <td>{version}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
    </div>
  );
}

function SettingsForm({ initial }: { initial: Settings }) {
  const [base, setBase] = useState(initial);
  const [form, setForm] = useState<Form>(() => toForm(initial));
  const [saved, setSaved] = useState(false);
  const update = useUpdateSettings();

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
      <div>
        <button type="submit" className="btn btn--primary" disabled={update.isPending || Object.keys(errors).length > 0}>
          {update.isPending ? <Spinner /> : <Save />} Save settings
        </button>
      </div>
    </form>
  );
}
