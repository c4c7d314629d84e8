// Project settings (metadata.yaml: concurrency and the default retry policy), what the server runs on, users and
// the signed-in user's API tokens.
import { useHealth, useProject, useSettings } from '../api/project';
import { ErrorAlert, Loading } from '../components/ui';
import { DiskUsageCard } from './settings/DiskUsageCard';
import { NotificationsCard } from './settings/NotificationsCard';
import { PythonCard } from './settings/PythonCard';
import { SecretsCard } from './settings/SecretsCard';
import { SettingsForm } from './settings/SettingsForm';
import { TokensCard } from './settings/TokensCard';
import { UsersCard } from './settings/UsersCard';

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
          <SecretsCard />
          <DiskUsageCard />
          <NotificationsCard />
        </div>
      </div>
      <UsersCard />
      <TokensCard />
    </div>
  );
}
