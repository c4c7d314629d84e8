// Triggers: all of them (/triggers) or one pipeline's (/pipelines/:uuid/triggers), with "Run pipeline now".
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Play, Plus } from 'lucide-react';
import { useAccess } from '../api/auth';
import type { Trigger } from '../api/client';
import { usePipeline } from '../api/pipelines';
import { useDeleteTrigger, usePipelineTriggers, useTriggers, useUpdateTrigger, withStatus } from '../api/triggers';
import { RoleNotice } from '../components/RoleNotice';
import { RunNowDialog } from '../components/RunNowDialog';
import { Alert, ConfirmDialog, Empty, ErrorAlert, Loading, Menu, StatusBadge } from '../components/ui';
import { formatDateTime, relativeTime } from '../lib/format';
import { scheduleText } from '../lib/triggerForm';
import { PipelineTabs } from './PipelineTabs';

export function TriggersPage() {
  const { uuid } = useParams();
  const navigate = useNavigate();
  const all = useTriggers({ enabled: !uuid, refetchInterval: 15_000 });
  const mine = usePipelineTriggers(uuid ?? '', { enabled: !!uuid, refetchInterval: 15_000 });
  const list = uuid ? mine : all;
  const pipeline = usePipeline(uuid ?? '', { enabled: !!uuid, refetchInterval: 15_000 });
  const triggersError = pipeline.data?.triggers_error;
  const [runNow, setRunNow] = useState<{ trigger?: Trigger } | null>(null);
  const [deleting, setDeleting] = useState<Trigger | null>(null);
  const remove = useDeleteTrigger();
  const toggle = useUpdateTrigger();
  const access = useAccess();
  const cannotRun = access.denied('editor', 'Running a pipeline');
  const cannotChange = access.denied('admin', 'Changing triggers');

  const rows = useMemo(() => list.data ?? [], [list.data]);
  const newHref = uuid ? `/pipelines/${encodeURIComponent(uuid)}/triggers/new` : '/triggers/new';

  return (
    <div className="page">
      {uuid ? (
        <PipelineTabs uuid={uuid} active="triggers" />
      ) : (
        <div className="page-header">
          <div className="page-header__title">
            <h1>Triggers</h1>
            <span className="page-header__sub">Schedules and API endpoints that start pipeline runs.</span>
          </div>
        </div>
      )}

      <div className="toolbar">
        {uuid && (
          <button
            type="button"
            className="btn btn--primary"
            onClick={() => setRunNow({})}
            disabled={!!cannotRun}
            title={cannotRun ?? undefined}
            data-testid="run-pipeline-now"
          >
            <Play /> Run pipeline now
          </button>
        )}
        {cannotChange ? (
          <button type="button" className="btn" disabled title={cannotChange}>
            <Plus /> New trigger
          </button>
        ) : (
          <Link className="btn" to={newHref}>
            <Plus /> New trigger
          </Link>
        )}
      </div>
      <RoleNotice needed={cannotRun ? 'editor' : 'admin'} what={cannotRun ? 'Running pipelines or changing triggers' : 'Changing triggers'} />

      <ErrorAlert error={list.error} title="Could not load the triggers" onRetry={() => void list.refetch()} />
      {triggersError && (
        <Alert tone="error">
          <div data-testid="triggers-error">
            <strong>triggers.yaml is not applied</strong> (the triggers below stay as they were until it is fixed):{' '}
            {triggersError}
          </div>
        </Alert>
      )}
      <ErrorAlert error={toggle.error} title="Could not change the trigger" />
      {list.isPending && <Loading what="Loading triggers" />}
      {list.data && (
        <div className="table-wrap">
          <table className="table" data-testid="triggers-table">
            <thead>
              <tr>
                <th>Name</th>
                {!uuid && <th>Pipeline</th>}
                <th>Type</th>
                <th>Schedule</th>
                <th>Status</th>
                <th>Next run</th>
                <th style={{ width: 1 }} />
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id} data-testid={`trigger-row-${String(t.id)}`}>
                  <td>
                    <div className="name-cell">
                      <Link to={`/triggers/${String(t.id)}`}>{t.name}</Link>
                      {t.description && <span className="cell-muted small">{t.description}</span>}
                    </div>
                  </td>
                  {!uuid && (
                    <td>
                      <Link to={`/pipelines/${encodeURIComponent(t.pipeline_uuid)}/triggers`}>{t.pipeline_uuid}</Link>
                    </td>
                  )}
                  <td>
                    <span className="badge badge--plain badge--neutral">{t.schedule_type === 'api' ? 'API' : 'Schedule'}</span>
                  </td>
                  <td>
                    <span>{scheduleText(t)}</span>
                    {t.schedule_type !== 'api' && <div className="cell-muted small">{t.timezone}</div>}
                  </td>
                  <td>
                    <StatusBadge status={t.status} />
                  </td>
                  <td className="nowrap">
                    {t.next_run_at ? (
                      <>
                        <div>{formatDateTime(t.next_run_at)}</div>
                        <div className="cell-muted small">{relativeTime(t.next_run_at)}</div>
                      </>
                    ) : (
                      <span className="cell-muted">—</span>
                    )}
                  </td>
                  <td>
                    <div className="row nowrap">
                      <button type="button" className="btn btn--sm" onClick={() => setRunNow({ trigger: t })} disabled={!!cannotRun} title={cannotRun ?? undefined}>
                        <Play /> Run now
                      </button>
                      <Menu
                        label="⋯"
                        ariaLabel={`More actions for ${t.name}`}
                        buttonClass="btn btn--sm btn--ghost btn--icon"
                        items={[
                          { label: cannotChange ? 'Open…' : 'Edit…', onSelect: () => void navigate(`/triggers/${String(t.id)}`) },
                          {
                            label: t.status === 'active' ? 'Disable' : 'Enable',
                            disabled: !!cannotChange,
                            hint: cannotChange ?? undefined,
                            onSelect: () => toggle.mutate({ id: t.id, trigger: withStatus(t, t.status === 'active' ? 'inactive' : 'active') }),
                          },
                          { label: 'Runs', onSelect: () => void navigate(`/runs?trigger=${String(t.id)}&pipeline=${encodeURIComponent(t.pipeline_uuid)}`) },
                          'separator',
                          { label: 'Delete…', danger: true, disabled: !!cannotChange, onSelect: () => setDeleting(t) },
                        ]}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && (
            <Empty title="No triggers yet">
              <span>
                A trigger runs the pipeline on a schedule or when an API call arrives.
                {uuid ? ' “Run pipeline now” starts a run without one.' : ''}
              </span>
            </Empty>
          )}
        </div>
      )}

      {runNow && (uuid || runNow.trigger) && (
        <RunNowDialog
          pipeline={runNow.trigger?.pipeline_uuid ?? uuid ?? ''}
          triggerId={runNow.trigger?.id}
          triggerName={runNow.trigger?.name}
          onClose={() => setRunNow(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete trigger ${deleting.name}?`}
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ id: deleting.id }, { onSuccess: () => setDeleting(null) })}
          onClose={() => {
            setDeleting(null);
            remove.reset();
          }}
        >
          <p style={{ margin: 0 }}>Its past runs stay in the history.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
