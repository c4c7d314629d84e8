// The trigger form's state: values, validation shown after the first submit, saving (create or replace), run now
// and delete. Its sections live beside it in trigger/; validation and conversion in lib/triggerForm.ts.
import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { Play, Trash2 } from 'lucide-react';
import { useAccess } from '../../api/auth';
import type { Trigger } from '../../api/client';
import { usePipelines } from '../../api/pipelines';
import { useCreateTrigger, useDeleteTrigger, useUpdateTrigger } from '../../api/triggers';
import { RoleNotice } from '../../components/RoleNotice';
import { RunNowDialog } from '../../components/RunNowDialog';
import { Alert, ConfirmDialog, ErrorAlert, Spinner } from '../../components/ui';
import { browserTimeZone } from '../../lib/timezone';
import {
  defaultTriggerForm,
  fromTrigger,
  hasErrors,
  toTriggerInput,
  validateTriggerForm,
  type TriggerFormErrors,
  type TriggerFormValues,
} from '../../lib/triggerForm';
import { ApiEndpoint } from './ApiEndpoint';
import { BasicsSection } from './BasicsSection';
import type { SetField } from './Field';
import { SchedulePreview } from './SchedulePreview';
import { ScheduleSection } from './ScheduleSection';
import { SettingsSection, VariablesSection } from './SettingsSection';

/** Brings the first field to fix into view. */
function focusFirstError(errors: TriggerFormErrors, pipelineMissing: boolean) {
  const order: [boolean, string][] = [
    [!!errors.name, 't-name'],
    [pipelineMissing, 't-pipeline'],
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
}

export function TriggerEditor({ trigger, pipeline }: { trigger?: Trigger; pipeline?: string }) {
  const navigate = useNavigate();
  const location = useLocation();
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
  const access = useAccess();
  const cannotRun = access.denied('editor', 'Running a pipeline');
  const cannotChange = access.denied('admin', 'Changing triggers');
  const saving = save.isPending;

  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 4000);
    return () => clearTimeout(t);
  }, [saved]);

  const errors = validateTriggerForm(values);
  const shown: TriggerFormErrors = submitted ? errors : { cron: errors.cron, end: errors.end };
  const set: SetField = (key, value) => setValues((v) => ({ ...v, [key]: value }));
  const section = { values, set, shown };

  const target = trigger?.pipeline_uuid ?? pipelineChoice;
  const listHref = target ? `/pipelines/${encodeURIComponent(target)}/triggers` : '/triggers';

  const submit = () => {
    setSubmitted(true);
    if (hasErrors(errors) || !target) {
      focusFirstError(errors, !target);
      return;
    }
    const body = toTriggerInput(values);
    if (trigger) {
      update.mutate(
        { id: trigger.id, trigger: body },
        {
          onSuccess: (result) => {
            if (result) setSaved(true);
          },
        },
      );
    } else {
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
              <button type="button" className="btn" onClick={() => setRunNow(true)} disabled={!!cannotRun} title={cannotRun ?? undefined} data-testid="trigger-run-now">
                <Play /> Run pipeline now
              </button>
              <button type="button" className="btn btn--danger" onClick={() => setDeleting(true)} disabled={!!cannotChange} title={cannotChange ?? undefined}>
                <Trash2 /> Delete
              </button>
            </>
          )}
        </div>
      </div>

      <RoleNotice needed="admin" what="Changing triggers" />
      {saved && <Alert tone="success">Trigger saved.</Alert>}
      {apiUrl && <ApiEndpoint url={apiUrl} />}

      <form
        className="trigger-layout"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="card">
          <fieldset className="plain-fieldset card__body" disabled={!!cannotChange}>
            <BasicsSection
              {...section}
              choosePipeline={!trigger && !pipeline}
              pipelines={pipelines.data ?? []}
              pipelineChoice={pipelineChoice}
              onPipelineChoice={setPipelineChoice}
              pipelineError={submitted && !pipelineChoice ? 'Choose a pipeline.' : undefined}
              target={target}
            />
            {values.scheduleType === 'time' && <ScheduleSection {...section} />}
            <VariablesSection {...section} />
            <SettingsSection {...section} />

            <ErrorAlert error={save.error} title="Could not save the trigger" />
            {submitted && hasErrors(errors) && <Alert tone="error">Fix the fields marked in red.</Alert>}
            <div className="row">
              <button type="submit" className="btn btn--primary" disabled={saving || !!cannotChange} title={cannotChange ?? undefined} data-testid="save-trigger">
                {saving && <Spinner />} {trigger ? 'Save changes' : 'Create trigger'}
              </button>
              <Link className="btn" to={listHref}>
                Cancel
              </Link>
            </div>
          </fieldset>
        </div>

        <SchedulePreview values={values} cronError={errors.cron} exists={!!trigger} />
      </form>

      {runNow && trigger && (
        <RunNowDialog pipeline={trigger.pipeline_uuid} triggerId={trigger.id} triggerName={trigger.name} onClose={() => setRunNow(false)} />
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
