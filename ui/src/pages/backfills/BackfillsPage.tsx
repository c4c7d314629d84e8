// A pipeline's backfills (/pipelines/:uuid/backfills): the new-backfill form with its preview, and the list with
// progress, refreshed while any backfill is open.
import { useParams } from 'react-router';
import { useAccess } from '../../api/auth';
import { useBackfills } from '../../api/backfills';
import { RoleNotice } from '../../components/RoleNotice';
import { ErrorAlert, Loading } from '../../components/ui';
import { PipelineTabs } from '../PipelineTabs';
import { BackfillForm } from './BackfillForm';
import { BackfillList } from './BackfillList';

export function BackfillsPage() {
  const { uuid = '' } = useParams();
  const list = useBackfills(uuid, { refetchInterval: 2_000 });
  const denied = useAccess().denied('editor', 'Starting or changing backfills');
  return (
    <div className="page">
      <PipelineTabs uuid={uuid} active="backfills" />
      <RoleNotice needed="editor" what="Starting or changing backfills" />
      <BackfillForm key={uuid} pipeline={uuid} denied={denied} />
      <ErrorAlert error={list.error} title="Could not load the backfills" onRetry={() => void list.refetch()} />
      {list.isPending && <Loading what="Loading backfills" />}
      {list.data && <BackfillList backfills={list.data} denied={denied} />}
    </div>
  );
}
