// One pipeline run: its block runs (a dynamic child's children counted and paged under it), the DAG coloured by their
// status, each block run's log (live while it runs) and output; cancel and retry; who started, cancelled or retried it.
// The parts live in run/.
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { usePipeline } from '../api/pipelines';
import type { BlockRun } from '../api/client';
import { useBlockGroups, useBlockRuns, useInstances, useReadAgainWhenEnded, useRefreshRun, useRun } from '../api/runs';
import { useTriggers } from '../api/triggers';
import { ActivityList } from '../components/ActivityList';
import { DagGraph, type DagBlock } from '../components/DagGraph';
import { Alert, ErrorAlert, Loading, StatusBadge } from '../components/ui';
import { isFinished } from '../lib/blockTypes';
import { useNow } from '../lib/useNow';
import { BlockPanel, type BlockPanelTab } from './run/BlockPanel';
import { BlockRunsTable } from './run/BlockRunsTable';
import { NotificationsCard } from './run/NotificationsCard';
import { RunActions } from './run/RunActions';
import { RunSummary } from './run/RunSummary';
import { RunTimeline } from './run/RunTimeline';
import { StreamCard } from './run/StreamCard';
import { useBlockLog } from './useBlockLog';

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

  const groups = useBlockGroups(runId, finished);
  useReadAgainWhenEnded(runId, finished);
  const [chosen, setChosen] = useState<string | null>(null);
  // An instance of a dynamic child is not among the run's own block runs: the one chosen is read on its own.
  const [instance, setInstance] = useState<BlockRun | null>(null);
  const instanceNow = useInstances(
    runId,
    instance?.block ?? '',
    { offset: instance?.dynamic_block_index ?? 0, limit: 1 },
    finished,
    { enabled: !!instance && instance.block_uuid === chosen },
  );
  const choose = (block: string, row?: BlockRun) => {
    setChosen(block);
    setInstance(row ?? null);
  };
  const [tab, setTab] = useState<BlockPanelTab>('log');
  const [actionError, setActionError] = useState<unknown>(null);

  const brs = useMemo(() => blockRuns.data ?? [], [blockRuns.data]);
  const statuses = useMemo(() => Object.fromEntries(brs.map((b) => [b.block_uuid, b.status])), [brs]);
  const selected =
    chosen ?? brs.find((b) => b.status === 'failed')?.block_uuid ?? brs.find((b) => b.status === 'running')?.block_uuid ?? brs[0]?.block_uuid ?? null;
  const fresh = instanceNow.data?.[0];
  const selectedRun =
    brs.find((b) => b.block_uuid === selected) ??
    (instance?.block_uuid === selected ? (fresh?.block_uuid === selected ? fresh : instance) : undefined);

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
        <RunActions run={r} finished={finished} selected={selectedRun?.block ?? selected} onError={setActionError} />
      </div>

      <ErrorAlert error={actionError} title="The action failed" />

      <RunSummary run={r} triggerName={triggerName} now={now} />

      <div className="run-grid">
        <BlockRunsTable
          runId={runId}
          runFinished={finished}
          blockRuns={brs}
          groups={groups.data ?? []}
          loading={blockRuns.isPending}
          error={blockRuns.error}
          selected={selected}
          now={now}
          onSelect={choose}
        />
        <div className="card" style={{ overflow: 'hidden', minHeight: 300 }} data-testid="run-dag">
          {dagBlocks.length > 0 ? (
            <DagGraph blocks={dagBlocks} statuses={statuses} selected={selected} onSelect={(block) => choose(block)} />
          ) : (
            <div className="empty">No blocks yet.</div>
          )}
        </div>
      </div>

      <StreamCard runId={runId} pipelineUuid={r.pipeline_uuid} live={!isFinished(r.status)} />
      <RunTimeline runId={runId} selected={selected} onSelect={choose} />

      {selected && <BlockPanel run={r} runId={runId} selected={selected} selectedRun={selectedRun} log={log} live={live} tab={tab} onTab={setTab} />}
      {r.status === 'failed' && !selected && <Alert tone="error">The run failed before any block started.</Alert>}
      <NotificationsCard runId={runId} live={!isFinished(r.status)} />
      <section className="card" aria-label="Activity">
        <div className="card__header">
          <h2>Activity</h2>
        </div>
        <div className="card__body">
          <ActivityList key={runId} scope={{ run: runId }} />
        </div>
      </section>
      <div className="muted small">
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => void navigate(-1)}>
          ← Back
        </button>
      </div>
    </div>
  );
}
