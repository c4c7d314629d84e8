// A pipeline's Stats tab: its runs' durations coloured by status (click one to open it) and its blocks' median and
// 90th percentile durations, over a window of days.
import { useNavigate, useParams } from 'react-router';
import { usePipelineStats } from '../api/stats';
import { BarChart } from '../components/charts';
import { Empty, ErrorAlert, Loading } from '../components/ui';
import { blockDurations, chartDuration, runHistory } from '../lib/dashboard';
import { formatDuration } from '../lib/format';
import { usePalette } from '../lib/palette';
import { PipelineTabs } from './PipelineTabs';
import { useWindowDays } from './overview/useWindowDays';
import { WindowPicker } from './overview/WindowPicker';
import './overview/overview.css';

export default function PipelineStatsPage() {
  const { uuid = '' } = useParams();
  const [days, setDays] = useWindowDays();
  const stats = usePipelineStats(uuid, days);
  const palette = usePalette();
  const navigate = useNavigate();
  const data = stats.data;
  const history = data ? runHistory(data.runs, palette) : null;

  return (
    <div className="page" data-testid="pipeline-stats">
      <PipelineTabs uuid={uuid} active="stats" />
      <div className="toolbar">
        <WindowPicker days={days} onChange={setDays} />
      </div>
      {stats.isPending ? (
        <Loading what="Loading the pipeline's stats" />
      ) : stats.error || !data || !history ? (
        <ErrorAlert error={stats.error} title="Could not load the stats" onRetry={() => void stats.refetch()} />
      ) : (
        <>
          <section className="card" aria-label="Run durations">
            <div className="card__header">
              <h2>Run durations</h2>
              <span className="muted small">
                {data.runs.length} runs, oldest first, coloured by status; click a bar to open the run
              </span>
            </div>
            <div className="card__body">
              {data.runs.length === 0 ? (
                <Empty title={`No runs in the last ${String(days)} days`} />
              ) : (
                <BarChart
                  data={history}
                  palette={palette}
                  legend={false}
                  label="Duration of each run, coloured by status"
                  format={chartDuration}
                  onBarClick={(index) => {
                    const id = history.ids[index];
                    if (id != null) void navigate(`/runs/${String(id)}`);
                  }}
                />
              )}
            </div>
          </section>
          <section className="card" aria-label="Block durations">
            <div className="card__header">
              <h2>Block durations</h2>
              <span className="muted small">completed block runs of the newest 100 runs; a dynamic child&apos;s instances count as its block</span>
            </div>
            {data.blocks.length === 0 ? (
              <div className="card__body">
                <Empty title="No completed block runs yet" />
              </div>
            ) : (
              <>
                <div className="card__body">
                  <BarChart
                    data={blockDurations(data.blocks, palette)}
                    palette={palette}
                    horizontal
                    label="Median and 90th percentile duration of each block"
                    format={chartDuration}
                    height={Math.max(160, 48 * data.blocks.length + 60)}
                  />
                </div>
                <table className="table">
                  <thead>
                    <tr>
                      <th>Block</th>
                      <th className="num">Runs</th>
                      <th className="num">Median</th>
                      <th className="num">90th percentile</th>
                      <th className="num">Longest</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.blocks.map((block) => (
                      <tr key={block.block}>
                        <td className="mono">{block.block}</td>
                        <td className="num">{block.samples}</td>
                        <td className="num">{formatDuration(block.median_seconds)}</td>
                        <td className="num">{formatDuration(block.p90_seconds)}</td>
                        <td className="num">{formatDuration(block.max_seconds)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </section>
        </>
      )}
    </div>
  );
}
