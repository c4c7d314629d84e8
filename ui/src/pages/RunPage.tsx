// One pipeline run: its block runs, the DAG coloured by their status, each block's log (live while it runs) and
// output; cancel and retry.
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { CircleStop, RotateCcw } from 'lucide-react';
import type { BlockRun } from '../api/client';
import { usePipeline } from '../api/pipelines';
import { useBlockRuns, useCancelRun, useRefreshRun, useRetryRun, useRun, useRunOutputs } from '../api/runs';
import { useTriggers } from '../api/triggers';
import { DagGraph, type DagBlock } from '../components/DagGraph';
import { LogView, OutputView } from '../components/OutputView';
import { Alert, ErrorAlert, Loading, Spinner, StatusBadge } from '../components/ui';
import { isFinished } from '../lib/blockTypes';
import { elapsedSeconds, formatDateTime, formatDuration } from '../lib/format';
import { useNow } from '../lib/useNow';
import { useBlockLog } from './useBlockLog';

function blockRunDuration(b: BlockRun, now: number): number | null {
  if (b.duration_seconds != null) return b.duration_seconds;
  // A waiting sensor holds no process between its checks: nothing runs, so no time counts.
  if (b.waiting_until) return null;
  return elapsedSeconds(b.started_at, b.completed_at, now);
}

/** HH:MM:SS in the browser's zone: when a waiting sensor is checked next. */
function clockTime(value: string): string {
  return new Date(value).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export default function RunPage() {
  const { id = '' } = useParams();
  const runId = Number(id);
  const navigate = useNavigate();
  const run = useRun(runId);
  const finished = run.data ? isFinished(run.data.status) : false;
  const blockRuns = useBlockRuns(runId, finished);
  const pipelineUuid = run.data?.pipeline_uuid ?? '';
  const pipeline = usePipeline(pipelineUuid, { enabled: !!pipelineUuid, retry: false });
  const triggers = useTriggers({ staleTime: 60_000 });
  const cancel = useCancelRun(runId);
  const retry = useRetryRun(runId);

  const [chosen, setChosen] = useState<string | null>(null);
  const [tab, setTab] = useState<'log' | 'output'>('log');
  const [acting, setActing] = useState<null | 'cancel' | 'retry' | 'retry-from'>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const brs = useMemo(() => blockRuns.data ?? [], [blockRuns.data]);
  const statuses = useMemo(() => Object.fromEntries(brs.map((b) => [b.block_uuid, b.status])), [brs]);
  const selected =
    chosen ?? brs.find((b) => b.status === 'failed')?.block_uuid ?? brs.find((b) => b.status === 'running')?.block_uuid ?? brs[0]?.block_uuid ?? null;
  const selectedRun = brs.find((b) => b.block_uuid === selected);

  const dagBlocks: DagBlock[] = useMemo(() => {
    const known = pipeline.data?.blocks ?? [];
    const inRun = new Set(brs.map((b) => b.block_uuid));
    const fromPipeline = known.filter((b) => inRun.has(b.uuid));
    const missing = brs.filter((b) => !known.some((k) => k.uuid === b.block_uuid));
    return [
      ...fromPipeline.map((b) => ({ uuid: b.uuid, type: b.type, upstream_blocks: b.upstream_blocks })),
      ...missing.map((b) => ({ uuid: b.block_uuid, type: 'other', upstream_blocks: [] })),
    ];
  }, [pipeline.data, brs]);

  // When a followed block's log ends, the run and its block runs are read again at once.
  const refresh = useRefreshRun(runId);

  const live = !!selectedRun && !isFinished(selectedRun.status);
  const now = useNow(!finished);
  const log = useBlockLog(runId, selected, live, refresh);
  const outputs = useRunOutputs(runId, selected ?? '', { enabled: !!selected && tab === 'output' && selectedRun?.status === 'completed', retry: false });

  const act = async (kind: 'cancel' | 'retry' | 'retry-from') => {
    setActing(kind);
    setActionError(null);
    try {
      if (kind === 'cancel') await cancel.mutateAsync();
      else await retry.mutateAsync({ fromBlock: kind === 'retry-from' && selected ? selected : undefined });
    } catch (e) {
      setActionError(e);
    } finally {
      setActing(null);
    }
  };

  if (run.isPending) return <Loading what={`Loading run #${id}`} />;
  if (run.error || !run.data) {
    return (
      <div className="page">
        <div className="breadcrumbs">
          <Link to="/runs">Pipeline runs</Link> / #{id}
        </div>
        <ErrorAlert error={run.error} title="Could not load the run" onRetry={() => void run.refetch()} />
      </div>
    );
  }

  const r = run.data;
  const triggerName = r.trigger_id != null ? (triggers.data?.find((t) => t.id === r.trigger_id)?.name ?? `#${String(r.trigger_id)}`) : null;
  const variables = Object.keys(r.variables ?? {}).length ? JSON.stringify(r.variables) : null;

  return (
    <div className="page">
      <div className="page-header">
        <div className="page-header__title">
          <div className="breadcrumbs">
            <Link to="/runs">Pipeline runs</Link> /
            <Link to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/runs`}>{r.pipeline_uuid}</Link> /
          </div>
          <h1 className="row">
            Run #{r.id} <StatusBadge status={r.status} />
          </h1>
        </div>
        <div className="page-header__actions">
          {!finished && (
            <button type="button" className="btn btn--danger" disabled={!!acting} onClick={() => void act('cancel')}>
              {acting === 'cancel' ? <Spinner /> : <CircleStop />} Cancel run
            </button>
          )}
          <button
            type="button"
            className="btn"
            disabled={!finished || !!acting || r.status === 'completed'}
            title={r.status === 'completed' ? 'Every block completed' : !finished ? 'The run is not over' : undefined}
            onClick={() => void act('retry')}
          >
            {acting === 'retry' ? <Spinner /> : <RotateCcw />} Retry failed blocks
          </button>
          <button
            type="button"
            className="btn"
            disabled={!finished || !!acting || !selected}
            onClick={() => void act('retry-from')}
            title={selected ? `Runs ${selected} and every block below it again` : 'Select a block'}
          >
            {acting === 'retry-from' ? <Spinner /> : <RotateCcw />} Retry from {selected ?? 'selected block'}
          </button>
          <Link className="btn" to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/edit`}>
            Open pipeline
          </Link>
        </div>
      </div>

      <ErrorAlert error={actionError} title="The action failed" />

      <div className="card">
        <dl className="run-summary">
          <div>
            <dt>Pipeline</dt>
            <dd>
              <Link to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/edit`}>{r.pipeline_uuid}</Link>
            </dd>
          </div>
          <div>
            <dt>Trigger</dt>
            <dd>{triggerName ? <Link to={`/triggers/${String(r.trigger_id)}`}>{triggerName}</Link> : 'Manual'}</dd>
          </div>
          <div>
            <dt>Execution date</dt>
            <dd>{formatDateTime(r.execution_date)}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{formatDateTime(r.started_at)}</dd>
          </div>
          <div>
            <dt>Completed</dt>
            <dd>{formatDateTime(r.completed_at)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd data-testid="run-duration">{formatDuration(r.duration_seconds ?? elapsedSeconds(r.started_at, r.completed_at, now))}</dd>
          </div>
          {variables && (
            <div>
              <dt>Variables</dt>
              <dd className="mono small">{variables}</dd>
            </div>
          )}
        </dl>
      </div>

      <div className="run-grid">
        <div className="table-wrap">
          <ErrorAlert error={blockRuns.error} title="Could not load the block runs" />
          <table className="table table--compact" data-testid="block-runs-table">
            <thead>
              <tr>
                <th>Block</th>
                <th>Status</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th className="num" title="Attempts">Tries</th>
              </tr>
            </thead>
            <tbody>
              {brs.map((b) => (
                <tr
                  key={b.id}
                  className={`is-clickable${b.block_uuid === selected ? ' is-selected' : ''}`}
                  onClick={() => setChosen(b.block_uuid)}
                  data-testid={`block-run-${b.block_uuid}`}
                >
                  <td className="mono">{b.block_uuid}</td>
                  <td>
                    <StatusBadge status={b.status} />
                    {b.waiting_until && (
                      <span className="cell-muted" data-testid="sensor-waiting">
                        {' '}
                        waiting — next check at {clockTime(b.waiting_until)}
                      </span>
                    )}
                  </td>
                  <td className="nowrap cell-muted">{b.started_at ? new Date(b.started_at).toLocaleTimeString() : '—'}</td>
                  <td className="num" data-testid="block-duration">
                    {formatDuration(blockRunDuration(b, now))}
                  </td>
                  <td className="num">{b.attempt}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {blockRuns.isPending && <Loading what="Loading block runs" />}
        </div>
        <div className="card" style={{ overflow: 'hidden', minHeight: 300 }} data-testid="run-dag">
          {dagBlocks.length > 0 ? (
            <DagGraph blocks={dagBlocks} statuses={statuses} selected={selected} onSelect={setChosen} />
          ) : (
            <div className="empty">No blocks yet.</div>
          )}
        </div>
      </div>

      {selected && (
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
            <button type="button" className={tab === 'log' ? 'active' : ''} onClick={() => setTab('log')}>
              Logs
            </button>
            <button type="button" className={tab === 'output' ? 'active' : ''} onClick={() => setTab('output')}>
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
            </div>
          ) : (
            <div style={{ padding: 12, display: 'flex', flexDirection: 'column', gap: 10 }}>
              {selectedRun?.status !== 'completed' ? (
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
      )}
      {r.status === 'failed' && !selected && <Alert tone="error">The run failed before any block started.</Alert>}
      <div className="muted small">
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => void navigate(-1)}>
          ← Back
        </button>
      </div>
    </div>
  );
}
