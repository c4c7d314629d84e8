// A pipeline's activity (/pipelines/:uuid/activity): who created, changed, ran, cancelled or deleted what, and when.
import { useParams } from 'react-router';
import { ActivityList } from '../components/ActivityList';
import { PipelineTabs } from './PipelineTabs';

export function ActivityPage() {
  const { uuid = '' } = useParams();
  return (
    <div className="page">
      <PipelineTabs uuid={uuid} active="activity" />
      <ActivityList key={uuid} scope={{ pipeline: uuid }} />
    </div>
  );
}
