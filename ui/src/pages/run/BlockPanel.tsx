// The selected block of a run: its status, its log (streamed live while it runs, paged when it is over) and, once
// it completed, its output; where a retention period pruned them, when and by which period.
import type { BlockRun, Run } from '../../api/client';
import { useRunOutputs } from '../../api/runs';
import { LogView, OutputView } from '../../components/OutputView';
import { Alert, ErrorAlert, Loading, Spinner, StatusBadge } from '../../components/ui';
import type { useBlockLog } from '../useBlockLog';
import { PrunedNotice } from './PrunedNotice';

export type BlockPanelTab = 'log' | 'output';

export function BlockPanel({
  run,
  runId,
  selected,
  selectedRun,
  log,
  live,
  tab,
  onTab,
}: {
  run?: Run;
  runId: number;
  selected: string;
  selectedRun: BlockRun | undefined;
  log: ReturnType<typeof useBlockLog>;
  live: boolean;
  tab: BlockPanelTab;
  onTab: (tab: BlockPanelTab) => void;
}) {
  const outputsPruned = !!run?.outputs_pruned_at;
  const logsPruned = !!run?.logs_pruned_at;
  const outputs = useRunOutputs(runId, selected, {
    enabled: tab === 'output' && selectedRun?.status === 'completed' && !outputsPruned,
    retry: false,
  });
  return (
    <div className="card block-panel" data-testid="block-panel">
      <div className="card__header" style={{ paddingBottom: 0, borderBottom: 'none' }}>
        <h2 className="mono">{selected}</h2>
        {selectedRun && <StatusBadge status={selectedRun.status} />}
        {log.state === 'live' && (
          <span className="muted small row">
            <Spinner /> streaming live
          </span>
        )}
      </div>
      <div className="tabs" style={{ padding: '0 12px' }}>
        <button type="button" className={tab === 'log' ? 'active' : ''} onClick={() => onTab('log')}>
          Logs
        </button>
        <button type="button" className={tab === 'output' ? 'active' : ''} onClick={() => onTab('output')}>
          Output
        </button>
      </div>
      {selectedRun?.error && (
        <div style={{ padding: '10px 12px 0' }}>
          <Alert tone="error">
            <span className="mono">{selectedRun.error}</span>
          </Alert>
        </div>
      )}
      {tab === 'log' ? (
        <div style={{ padding: 12 }}>
          {run && logsPruned ? (
            <PrunedNotice run={run} what="logs" />
          ) : (
            <>
          <ErrorAlert error={log.error} title="Log" />
          {log.state === 'loading' ? (
            <Loading what="Loading the log" />
          ) : (
            <LogView lines={log.lines} live={log.state === 'live'} empty={live ? 'Waiting for output…' : 'The block printed nothing.'} />
          )}
          {log.loadMore && (
            <button type="button" className="btn" disabled={log.loadingMore} onClick={log.loadMore}>
              {log.loadingMore ? <Spinner /> : null} Show more lines
            </button>
          )}
            </>
          )}
        </div>
      ) : (
        <div style={{ padding: 12, display: 'flex', flexDirection: 'column', gap: 10 }}>
          {run && outputsPruned ? (
            <PrunedNotice run={run} what="outputs" />
          ) : selectedRun?.status !== 'completed' ? (
            <span className="muted">The block has no output{selectedRun ? ` (it is ${selectedRun.status.replace(/_/g, ' ')})` : ''}.</span>
          ) : outputs.isPending ? (
            <Loading what="Loading the output" />
          ) : outputs.error ? (
            <ErrorAlert error={outputs.error} title="Could not load the output" />
          ) : (
            <OutputView outputs={outputs.data ?? []} />
          )}
        </div>
      )}
    </div>
  );
}
