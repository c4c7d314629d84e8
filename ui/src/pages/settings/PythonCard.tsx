// The Python environment card of the Settings page: interpreter, packages, and installing requirements.txt with
// the installer's output shown as it arrives.
import { useState } from 'react';
import { useAccess } from '../../api/auth';
import { useInstallRequirements, usePython, type InstallResult } from '../../api/project';
import { Alert, ErrorAlert, Loading, Spinner } from '../../components/ui';

/** The interpreter blocks run with, its packages, and installing requirements.txt with live output. */
export function PythonCard() {
  const python = usePython();
  const installer = useInstallRequirements();
  const installing = installer.isPending;
  const denied = useAccess().denied('admin', 'Installing requirements.txt');
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
        <button type="button" className="btn btn--sm" disabled={installing || !!denied} title={denied ?? undefined} onClick={install}>
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
        {denied && <p className="muted small">{denied}</p>}
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
