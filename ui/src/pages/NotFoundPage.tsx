import { Link } from 'react-router';
import { Empty } from '../components/ui';

export function NotFoundPage() {
  return (
    <div className="page">
      <Empty title="This page does not exist">
        <Link to="/pipelines">Go to the pipelines</Link>
      </Empty>
    </div>
  );
}
