// The Disk usage card of the Settings page: what block outputs and logs take in the data folder, in total and per
// pipeline, and the retention periods that prune them (Mage's keys in metadata.yaml).
import { useDiskUsage } from '../../api/retention';
import { Alert, Empty, ErrorAlert, Loading } from '../../components/ui';
import { formatBytes } from '../../lib/format';

export function DiskUsageCard() {
  const usage = useDiskUsage();
  const data = usage.data;
  return (
    <div className="card" data-testid="disk-usage-card">
      <div className="card__header">
        <h2>Disk usage</h2>
      </div>
      <div className="card__body form-section">
        <ErrorAlert error={usage.error} title="Could not measure the disk usage" onRetry={() => void usage.refetch()} />
        {usage.isPending && <Loading what="Measuring" />}
        {data && (
          <>
            {data.retention_error && <Alert tone="warning">No retention period is applied: {data.retention_error}</Alert>}
            <dl className="info-list" data-testid="retention-periods">
              <dt>Outputs kept</dt>
              <dd>{data.outputs_retention ? `${data.outputs_retention} (variables_retention_period)` : 'for ever (no variables_retention_period)'}</dd>
              <dt>Logs kept</dt>
              <dd>{data.logs_retention ? `${data.logs_retention} (logging_config.retention_period)` : 'for ever (no logging_config.retention_period)'}</dd>
              <dt>Outputs</dt>
              <dd data-testid="disk-outputs">{formatBytes(data.output_bytes)}</dd>
              <dt>Logs</dt>
              <dd data-testid="disk-logs">{formatBytes(data.log_bytes)}</dd>
            </dl>
            <p className="field__hint">
              <code>wand start</code> deletes the outputs and logs of runs older than these periods every hour (the runs stay
              listed); <code>wand clean-cached-variables</code> and <code>wand clean-old-logs</code> do it at once.
            </p>
            {data.pipelines.length === 0 ? (
              <Empty title="No outputs or logs on the disk" />
            ) : (
              <div className="table-wrap">
                <table className="table table--compact" aria-label="Disk usage per pipeline">
                  <thead>
                    <tr>
                      <th>Pipeline</th>
                      <th className="num">Runs</th>
                      <th className="num">Outputs</th>
                      <th className="num">Logs</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.pipelines.map((p) => (
                      <tr key={p.pipeline_uuid}>
                        <td className="mono">{p.pipeline_uuid}</td>
                        <td className="num">{p.runs}</td>
                        <td className="num">{formatBytes(p.output_bytes)}</td>
                        <td className="num">{formatBytes(p.log_bytes)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
