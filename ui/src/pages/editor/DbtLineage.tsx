// A dbt model block's lineage: its parents and children in dbt's manifest (sources, seeds, models, tests), read again
// after each "Compile & preview", which writes the manifest.
import { useEffect } from 'react';
import { useDbtLineage, type DbtLineage as Lineage } from '../../api/dbt';
import { ErrorAlert, Loading } from '../../components/ui';
import { relativeTime } from '../../lib/format';
import { useNow } from '../../lib/useNow';

export function DbtLineage({ path, compiledAt }: { path: string; compiledAt: number | null }) {
  const lineage = useDbtLineage(path);
  const { refetch } = lineage;
  const now = useNow(true, 30_000);
  useEffect(() => {
    if (compiledAt != null) void refetch();
  }, [compiledAt, refetch]);
  return (
    <div className="dbt-lineage" data-testid="dbt-lineage">
      {lineage.isPending && <Loading what="Reading dbt's manifest" />}
      <ErrorAlert error={lineage.error} title="Could not read the lineage" />
      {lineage.data?.note && <p className="cell-muted small">{lineage.data.note}</p>}
      {lineage.data?.unique_id && (
        <>
          <Side title="Parents" nodes={lineage.data.parents} testId="dbt-parents" />
          <div className="dbt-lineage__self mono" title={lineage.data.unique_id}>
            {lineage.data.unique_id}
          </div>
          <Side title="Children" nodes={lineage.data.children} testId="dbt-children" />
          {lineage.data.generated_at && (
            <p className="cell-muted small">Compiled {relativeTime(lineage.data.generated_at, now)}.</p>
          )}
        </>
      )}
    </div>
  );
}

function Side({ title, nodes, testId }: { title: string; nodes: Lineage['parents']; testId: string }) {
  return (
    <div className="dbt-lineage__side">
      <span className="field__label">{title}</span>
      {nodes.length === 0 ? (
        <span className="cell-muted small">none</span>
      ) : (
        <ul data-testid={testId}>
          {nodes.map((node) => (
            <li key={node.unique_id} title={node.path ?? node.unique_id}>
              <span className="chip">{node.resource_type}</span> <span className="mono">{node.name}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
