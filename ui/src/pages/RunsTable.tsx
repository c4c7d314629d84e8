// Pipeline runs, one page at a time (keyset pagination on the run id), filtered by pipeline, status, trigger and
// execution date. The filters live in the URL (?pipeline=&status=&trigger=&from=&to=), the page cursors in memory.
import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { usePipelines } from '../api/pipelines';
import { useRunPage } from '../api/runs';
import { useTriggers } from '../api/triggers';
import { Empty, ErrorAlert, Loading, Pager, Spinner, StatusBadge } from '../components/ui';
import { RUN_STATUSES, isFinished, runStatus, statusLabel } from '../lib/blockTypes';
import { dayAfter } from '../lib/runs';
import { formatDateTime, formatDuration, relativeTime } from '../lib/format';
import { PAGE_SIZE, runDuration } from '../lib/runs';
import { useNow } from '../lib/useNow';
import { DeleteSelectedRuns } from './runs/DeleteSelectedRuns';

interface Pager {
  filterKey: string;
  stack: (number | undefined)[];
  cursor: number | undefined;
}

export function RunsTable({ fixedPipeline }: { fixedPipeline?: string }) {
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const pipeline = fixedPipeline ?? search.get('pipeline') ?? '';
  const status = runStatus(search.get('status'));
  const trigger = search.get('trigger') ?? '';
  const from = search.get('from') ?? '';
  const to = search.get('to') ?? '';
  // The current page starts below `cursor`; `stack` holds the cursors of the pages above it. Both belong to one
  // set of filters: other filters start again at the newest page.
  const filterKey = `${pipeline}|${status ?? ''}|${trigger}|${from}|${to}`;
  const [pager, setPager] = useState<Pager>({ filterKey, stack: [], cursor: undefined });
  const current: Pager = pager.filterKey === filterKey ? pager : { filterKey, stack: [], cursor: undefined };
  const { stack, cursor } = current;

  const query = {
    limit: PAGE_SIZE,
    ...(pipeline ? { pipeline } : {}),
    ...(status ? { status } : {}),
    ...(trigger ? { trigger_id: Number(trigger) } : {}),
    ...(from ? { since: `${from}T00:00:00Z` } : {}),
    ...(to ? { until: dayAfter(to) } : {}),
    ...(cursor != null ? { before: cursor } : {}),
  };
  const page = useRunPage(query);
  const pipelines = usePipelines({ enabled: !fixedPipeline, staleTime: 30_000 });
  const triggers = useTriggers({ staleTime: 30_000 });
  const triggerNames = useMemo(() => new Map((triggers.data ?? []).map((t) => [t.id, t.name])), [triggers.data]);
  const triggerOptions = (triggers.data ?? []).filter((t) => !pipeline || t.pipeline_uuid === pipeline);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key === 'pipeline') next.delete('trigger');
    setSearch(next, { replace: true });
  };

  const runs = page.data?.runs ?? [];
  const nextBefore = page.data?.next_before ?? null;
  const pageNumber = stack.length + 1;
  const now = useNow(runs.some((r) => r.status === 'running'));
  // Finished runs ticked for deletion (on this page).
  const [ticked, setTicked] = useState<number[]>([]);
  const selectable = runs.filter((r) => isFinished(r.status)).map((r) => r.id);
  const selected = ticked.filter((id) => selectable.includes(id));
  const tick = (id: number, on: boolean) => setTicked((old) => (on ? [...old, id] : old.filter((x) => x !== id)));

  const older = () => {
    if (nextBefore == null) return;
    setPager({ filterKey, stack: [...stack, cursor], cursor: nextBefore });
  };
  const newer = () => {
    if (stack.length === 0) return;
    setPager({ filterKey, stack: stack.slice(0, -1), cursor: stack[stack.length - 1] });
  };

  return (
    <div className="form-section" style={{ gap: 12 }}>
      <div className="toolbar" role="group" aria-label="Filters">
        {!fixedPipeline && (
          <select className="select" aria-label="Pipeline" value={pipeline} onChange={(e) => setFilter('pipeline', e.target.value)}>
            <option value="">All pipelines</option>
            {(pipelines.data ?? []).map((p) => (
              <option key={p.uuid} value={p.uuid}>
                {p.name}
              </option>
            ))}
            {pipeline && !(pipelines.data ?? []).some((p) => p.uuid === pipeline) && <option value={pipeline}>{pipeline}</option>}
          </select>
        )}
        <select className="select" aria-label="Status" value={status ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
          <option value="">All statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
        <select className="select" aria-label="Trigger" value={trigger} onChange={(e) => setFilter('trigger', e.target.value)}>
          <option value="">All triggers</option>
          {triggerOptions.map((t) => (
            <option key={t.id} value={String(t.id)}>
              {t.name} ({t.pipeline_uuid})
            </option>
          ))}
          {trigger && !triggerOptions.some((t) => String(t.id) === trigger) && <option value={trigger}>Trigger #{trigger}</option>}
        </select>
        <label className="toolbar__date">
          From
          <input type="date" className="input" aria-label="From date" value={from} onChange={(e) => setFilter('from', e.target.value)} />
        </label>
        <label className="toolbar__date">
          To
          <input type="date" className="input" aria-label="To date" value={to} onChange={(e) => setFilter('to', e.target.value)} />
        </label>
        {page.isFetching && <Spinner label="Refreshing" />}
        <DeleteSelectedRuns selected={selected} onDeleted={() => setTicked([])} />
        <div className="toolbar__grow" />
        <Pager number={pageNumber} onNewer={newer} onOlder={older} hasOlder={nextBefore != null} />
      </div>

      <ErrorAlert error={page.error} title="Could not load the runs" onRetry={() => void page.refetch()} />
      {page.isPending && <Loading what="Loading runs" />}
      {page.data && (
        <div className="table-wrap">
          <table className="table table--compact" data-testid="runs-table">
            <thead>
              <tr>
                <th className="cell-check">
                  <input
                    type="checkbox"
                    aria-label="Select every finished run of this page"
                    checked={selectable.length > 0 && selected.length === selectable.length}
                    disabled={selectable.length === 0}
                    onChange={(e) => setTicked(e.target.checked ? selectable : [])}
                  />
                </th>
                <th>Run</th>
                {!fixedPipeline && <th>Pipeline</th>}
                <th>Status</th>
                <th>Trigger</th>
                <th>Started</th>
                <th className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr
                  key={r.id}
                  className="is-clickable"
                  data-testid={`run-row-${String(r.id)}`}
                  onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a, input')) return;
                    void navigate(`/runs/${String(r.id)}`);
                  }}
                >
                  <td className="cell-check">
                    <input
                      type="checkbox"
                      aria-label={`Select run #${String(r.id)}`}
                      checked={selected.includes(r.id)}
                      disabled={!isFinished(r.status)}
                      title={isFinished(r.status) ? undefined : 'The run is still going: cancel it before deleting it'}
                      onChange={(e) => tick(r.id, e.target.checked)}
                    />
                  </td>
                  <td>
                    <Link to={`/runs/${String(r.id)}`}>#{r.id}</Link>
                  </td>
                  {!fixedPipeline && (
                    <td>
                      <Link to={`/pipelines/${encodeURIComponent(r.pipeline_uuid)}/runs`}>{r.pipeline_uuid}</Link>
                    </td>
                  )}
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className={r.trigger_id == null ? 'cell-muted' : ''}>
                    {r.trigger_id == null ? 'Manual' : (triggerNames.get(r.trigger_id) ?? `#${String(r.trigger_id)}`)}
                  </td>
                  <td className="nowrap">
                    {formatDateTime(r.started_at ?? r.created_at)}{' '}
                    <span className="cell-muted small">{relativeTime(r.started_at ?? r.created_at, now)}</span>
                  </td>
                  <td className="num">{formatDuration(runDuration(r, now))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {runs.length === 0 && (
            <Empty title={status || trigger || from || to || (!fixedPipeline && pipeline) ? 'No run matches these filters' : 'No runs yet'}>
              <span>Runs appear here when a trigger fires, an API call arrives, or you run a pipeline now.</span>
            </Empty>
          )}
        </div>
      )}
    </div>
  );
}
