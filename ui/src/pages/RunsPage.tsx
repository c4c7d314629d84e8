// Pipeline runs: all of them (/runs) or one pipeline's (/pipelines/:uuid/runs).
import { useParams } from 'react-router';
import { PipelineTabs } from './PipelineTabs';
import { RunsTable } from './RunsTable';

export function RunsPage() {
  const { uuid } = useParams();
  return (
    <div className="page">
      {uuid ? (
        <PipelineTabs uuid={uuid} active="runs" />
      ) : (
        <div className="page-header">
          <div className="page-header__title">
            <h1>Pipeline runs</h1>
            <span className="page-header__sub">Every run, newest first. Click one to see its blocks and logs.</span>
          </div>
        </div>
      )}
      <RunsTable key={uuid ?? ''} fixedPipeline={uuid} />
    </div>
  );
}
