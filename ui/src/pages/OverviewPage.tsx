// The landing page: how every pipeline has been doing over a window of days (runs per day by status, failure rate,
// the slowest and the most failing pipelines) and what goes on now (running and queued work, next scheduled runs).
import { Link } from 'react-router';
import { useOverview, type Overview } from '../api/stats';
import { BarChart } from '../components/charts';
import { Empty, ErrorAlert, Loading, StatusBadge } from '../components/ui';
import { formatRate, runsPerDay } from '../lib/dashboard';
import { formatDateTime, formatDuration, relativeTime } from '../lib/format';
import { usePalette } from '../lib/palette';
import { useNow } from '../lib/useNow';
import { useWindowDays } from './overview/useWindowDays';
import { WindowPicker } from './overview/WindowPicker';
import './overview/overview.css';

const pipelineLink = (uuid: string, days: number) => `/pipelines/${encodeURIComponent(uuid)}/stats?days=${String(days)}`;

export default function OverviewPage() {
  const [days, setDays] = useWindowDays();
  const overview = useOverview(days);
  const palette = usePalette();
  const now = useNow(true, 10_000);

  return (
    <div className="page" data-testid="overview">
      <div className="page-header">
        <div className="page-header__title">
          <h1>Overview</h1>
          <span className="page-header__sub">How every pipeline has been doing, and what runs now.</span>
        </div>
        <div className="page-header__actions">
          <WindowPicker days={days} onChange={setDays} />
        </div>
      </div>
      {overview.isPending ? (
        <Loading what="Loading the overview" />
      ) : overview.error || !overview.data ? (
        <ErrorAlert error={overview.error} title="Could not load the overview" onRetry={() => void overview.refetch()} />
      ) : (
        <OverviewBody data={overview.data} days={days} palette={palette} now={now} />
      )}
    </div>
  );
}

function OverviewBody({ data, days, palette, now }: { data: Overview; days: number; palette: ReturnType<typeof usePalette>; now: number }) {
  const { totals, now: work } = data;
  const finished = totals.completed + totals.failed + totals.cancelled;
  return (
    <>
      <div className="kpis">
        <Kpi label={`Runs, last ${String(days)} days`} value={String(totals.runs)} detail={`${String(totals.completed)} completed`} />
        <Kpi
          label="Failure rate"
          value={formatRate(totals.failure_rate)}
          detail={finished ? `${String(totals.failed)} of ${String(finished)} finished runs failed` : 'no finished runs'}
          tone={totals.failed > 0 ? 'danger' : undefined}
        />
        <Kpi label="Running now" value={String(work.running_runs)} detail={`${String(work.initial_runs)} waiting to start`} tone={work.running_runs ? 'info' : undefined} />
        <Kpi label="Block runs" value={`${String(work.running_block_runs)} running`} detail={`${String(work.queued_block_runs)} queued for a worker`} />
      </div>

      <section className="card" aria-label="Runs per day">
        <div className="card__header">
          <h2>Runs per day</h2>
          <span className="muted small">by status, UTC days</span>
        </div>
        <div className="card__body">
          {totals.runs === 0 ? (
            <Empty title={`No runs in the last ${String(days)} days`}>Runs started by triggers, the API or the editor show here.</Empty>
          ) : (
            <BarChart data={runsPerDay(data.per_day, palette)} palette={palette} stacked label="Runs per day by status" height={240} />
          )}
        </div>
      </section>

      <div className="dash-grid">
        <section className="card" aria-label="Slowest pipelines">
          <div className="card__header">
            <h2>Slowest pipelines</h2>
            <span className="muted small">mean of completed runs</span>
          </div>
          {data.slowest.length === 0 ? (
            <div className="card__body">
              <Empty title="No completed runs yet" />
            </div>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Pipeline</th>
                  <th className="num">Mean</th>
                  <th className="num">Longest</th>
                  <th className="num">Runs</th>
                </tr>
              </thead>
              <tbody>
                {data.slowest.map((p) => (
                  <tr key={p.pipeline_uuid}>
                    <td>
                      <Link to={pipelineLink(p.pipeline_uuid, days)}>{p.pipeline_uuid}</Link>
                    </td>
                    <td className="num">{formatDuration(p.mean_seconds)}</td>
                    <td className="num">{formatDuration(p.max_seconds)}</td>
                    <td className="num">{p.runs}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="card" aria-label="Most failing pipelines">
          <div className="card__header">
            <h2>Most failing pipelines</h2>
          </div>
          {data.most_failing.length === 0 ? (
            <div className="card__body">
              <Empty title="No failed runs" />
            </div>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Pipeline</th>
                  <th className="num">Failed</th>
                  <th className="num">Failure rate</th>
                  <th className="num">Runs</th>
                </tr>
              </thead>
              <tbody>
                {data.most_failing.map((p) => (
                  <tr key={p.pipeline_uuid}>
                    <td>
                      <Link to={pipelineLink(p.pipeline_uuid, days)}>{p.pipeline_uuid}</Link>
                    </td>
                    <td className="num">
                      <Link to={`/pipelines/${encodeURIComponent(p.pipeline_uuid)}/runs?status=failed`}>{p.failed}</Link>
                    </td>
                    <td className="num">{formatRate(p.failure_rate)}</td>
                    <td className="num">{p.runs}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="card" aria-label="Running now">
          <div className="card__header">
            <h2>Running now</h2>
            <Link className="small" to="/runs?status=running">
              All running runs
            </Link>
          </div>
          {work.running.length === 0 ? (
            <div className="card__body">
              <Empty title="Nothing is running" />
            </div>
          ) : (
            <table className="table">
              <tbody>
                {work.running.map((run) => (
                  <tr key={run.id}>
                    <td>
                      <Link to={`/runs/${String(run.id)}`}>#{run.id}</Link>
                    </td>
                    <td>{run.pipeline_uuid}</td>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td className="num muted" title={formatDateTime(run.started_at)}>
                      {relativeTime(run.started_at, now)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="card" aria-label="Next scheduled runs">
          <div className="card__header">
            <h2>Next scheduled runs</h2>
            <Link className="small" to="/triggers">
              All triggers
            </Link>
          </div>
          {data.next_runs.length === 0 ? (
            <div className="card__body">
              <Empty title="No active schedules" />
            </div>
          ) : (
            <table className="table">
              <tbody>
                {data.next_runs.map((next) => (
                  <tr key={next.trigger_id}>
                    <td>
                      <Link to={`/triggers/${String(next.trigger_id)}`}>{next.trigger_name}</Link>
                    </td>
                    <td>{next.pipeline_uuid}</td>
                    <td className="mono small">{next.schedule_interval}</td>
                    <td className="num" title={formatDateTime(next.at)}>
                      {relativeTime(next.at, now)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}

function Kpi({ label, value, detail, tone }: { label: string; value: string; detail: string; tone?: 'danger' | 'info' }) {
  return (
    <div className={`card kpi${tone ? ` kpi--${tone}` : ''}`}>
      <div className="kpi__label">{label}</div>
      <div className="kpi__value">{value}</div>
      <div className="kpi__detail">{detail}</div>
    </div>
  );
}
