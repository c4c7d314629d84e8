// Create or edit a trigger: loads the trigger being edited, then the form in trigger/TriggerEditor.tsx (schedule
// with presets or cron and a preview of the next runs, API endpoint, variables, settings and status).
import { Link, useParams } from 'react-router';
import { useTrigger } from '../api/triggers';
import { ErrorAlert, Loading } from '../components/ui';
import { TriggerEditor } from './trigger/TriggerEditor';

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
