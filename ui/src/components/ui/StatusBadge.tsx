// The coloured badge of a run, block run or trigger status.
import { type Status, statusLabel, statusTone } from '../../lib/blockTypes';

export function StatusBadge({ status }: { status: Status | null | undefined }) {
  if (!status) return <span className="cell-muted">—</span>;
  return (
    <span className={`badge badge--${statusTone(status)}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}
