// Global data products (Mage's global_data_products.yaml): each product's pipeline, the blocks consumers get, how
// long its data stays fresh, its newest runs and whether the next consumer would run its pipeline again.
import { Link } from 'react-router';
import { useDataProducts } from '../api/dataProducts';
import { Alert, Empty, ErrorAlert, Loading, StatusBadge } from '../components/ui';
import { freshFor, startingAt } from '../lib/dataProducts';
import { formatDateTime, relativeTime } from '../lib/format';

export function DataProductsPage() {
  const products = useDataProducts();
  const data = products.data;

  return (
    <div className="page">
      <div className="page-header">
        <div className="page-header__title">
          <h1>Global data products</h1>
          <span className="page-header__sub">
            Pipelines whose outputs other pipelines reuse (global_data_products.yaml): a consumer runs the pipeline again only when its data is
            outdated.
          </span>
        </div>
      </div>
      <ErrorAlert error={products.error} title="Could not load the global data products" onRetry={() => void products.refetch()} />
      {products.isPending && <Loading what="Loading global data products" />}
      {data && data.problems.length > 0 && (
        <Alert tone="warning">
          <div data-testid="product-problems">
            <b>global_data_products.yaml has problems; the products they concern are not listed:</b>
            <ul className="mono small">
              {data.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        </Alert>
      )}
      {data && data.products.length === 0 && (
        <Empty title="No global data products">
          <span className="muted">Declare them in the project&apos;s global_data_products.yaml, as in Mage; they are listed here with their freshness.</span>
        </Empty>
      )}
      {data && data.products.length > 0 && (
        <div className="card table-wrap">
          <table className="table" data-testid="products-table">
            <thead>
              <tr>
                <th>Product</th>
                <th>Pipeline</th>
                <th>Blocks consumers get</th>
                <th>Fresh for</th>
                <th>Last completed run</th>
                <th>Freshness</th>
              </tr>
            </thead>
            <tbody>
              {data.products.map((p) => (
                <tr key={p.uuid} data-testid={`product-${p.uuid}`}>
                  <td className="mono">{p.uuid}</td>
                  <td>
                    <Link to={`/pipelines/${encodeURIComponent(p.object_uuid)}`}>{p.object_uuid}</Link>
                  </td>
                  <td className="small">
                    {p.blocks.length === 0
                      ? 'every block'
                      : p.blocks.map((b) => (
                          <div key={b.uuid}>
                            <span className="mono">{b.uuid}</span>
                            {b.partitions > 1 && <span className="cell-muted"> · last {b.partitions} runs</span>}
                          </div>
                        ))}
                  </td>
                  <td className="small">
                    <div data-testid="fresh-for">{freshFor(p.outdated_after)}</div>
                    {Object.keys(p.outdated_starting_at).length > 0 && (
                      <div className="cell-muted" title="Outdated data is made again only once the current UTC time reaches all of these">
                        not before {startingAt(p.outdated_starting_at)}
                      </div>
                    )}
                  </td>
                  <td className="small">
                    {p.last_completed_run ? (
                      <Link to={`/runs/${String(p.last_completed_run.id)}`} title={formatDateTime(p.last_completed_run.execution_date)}>
                        #{p.last_completed_run.id} · {relativeTime(p.last_completed_run.completed_at ?? p.last_completed_run.execution_date)}
                      </Link>
                    ) : (
                      <span className="cell-muted">never made</span>
                    )}
                    {p.last_run && p.last_run.id !== p.last_completed_run?.id && (
                      <div>
                        newest <Link to={`/runs/${String(p.last_run.id)}`}>#{p.last_run.id}</Link> <StatusBadge status={p.last_run.status} />
                      </div>
                    )}
                  </td>
                  <td>
                    <span className={`badge badge--${p.outdated ? 'warning' : 'success'}`} data-testid="freshness">
                      {p.outdated ? 'outdated' : 'fresh'}
                    </span>
                    <div className="cell-muted small" data-testid="freshness-reason">
                      {p.outdated_at && (p.outdated ? `since ${formatDateTime(p.outdated_at)}. ` : `until ${formatDateTime(p.outdated_at)}. `)}
                      {p.reason}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
