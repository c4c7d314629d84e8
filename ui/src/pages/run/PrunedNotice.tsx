// What a run page says where a retention cleanup deleted a run's outputs or logs: when, and by which period, instead
// of an error from the missing files.
import type { Run } from '../../api/client';
import { Alert } from '../../components/ui';
import { formatDateTime } from '../../lib/format';

/** The key of metadata.yaml that sets each period, as Mage names it. */
const KEYS = { outputs: 'variables_retention_period', logs: 'logging_config.retention_period' } as const;

/** "Outputs pruned on <date> by the retention period (90d)", if `what` of the run was pruned. */
function prunedText(run: Run, what: 'outputs' | 'logs'): string | null {
  const at = what === 'outputs' ? run.outputs_pruned_at : run.logs_pruned_at;
  if (!at) return null;
  const by = (what === 'outputs' ? run.outputs_pruned_by : run.logs_pruned_by) ?? 'unknown';
  const noun = what === 'outputs' ? 'The block outputs' : 'The logs';
  return `${noun} of this run were pruned on ${formatDateTime(at)} by the retention period (${by}, ${KEYS[what]}).`;
}

export function PrunedNotice({ run, what }: { run: Run; what: 'outputs' | 'logs' }) {
  const text = prunedText(run, what);
  if (!text) return null;
  return (
    <Alert tone="info">
      <span data-testid={`pruned-${what}`}>{text}</span>
    </Alert>
  );
}
