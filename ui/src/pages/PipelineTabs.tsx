// The header of a pipeline's own pages: its name, a streaming pipeline's stream control, and the tabs Editor /
// Triggers / Runs / Backfills / Stats / Activity.
import { Link } from 'react-router';
import { usePipeline } from '../api/pipelines';
import { StreamControl } from './StreamControl';

export function PipelineTabs({
  uuid,
  active,
}: {
  uuid: string;
  active: 'triggers' | 'runs' | 'backfills' | 'stats' | 'activity';
}) {
  const detail = usePipeline(uuid, { retry: false });
  const base = `/pipelines/${encodeURIComponent(uuid)}`;
  return (
    <>
      <div className="page-header">
        <div className="page-header__title">
          <div className="breadcrumbs">
            <Link to="/pipelines">Pipelines</Link> /
          </div>
          <h1>{detail.data?.name ?? uuid}</h1>
        </div>
        <StreamControl uuid={uuid} />
      </div>
      <nav className="tabs" aria-label="Pipeline">
        <Link to={`${base}/edit`}>Editor</Link>
        <Link to={`${base}/triggers`} className={active === 'triggers' ? 'active' : ''}>
          Triggers
        </Link>
        <Link to={`${base}/runs`} className={active === 'runs' ? 'active' : ''}>
          Runs
        </Link>
        <Link to={`${base}/backfills`} className={active === 'backfills' ? 'active' : ''}>
          Backfills
        </Link>
        <Link to={`${base}/stats`} className={active === 'stats' ? 'active' : ''}>
          Stats
        </Link>
        <Link to={`${base}/activity`} className={active === 'activity' ? 'active' : ''}>
          Activity
        </Link>
      </nav>
    </>
  );
}
