// What a block returned: a table preview with column types, a JSON value, or the type of a pickled object;
// and what it printed.
import type { LogLine, Output } from '../api/client';

export function OutputView({ outputs }: { outputs: Output[] }) {
  if (outputs.length === 0) return <div className="muted small">The block returned nothing.</div>;
  return (
    <>
      {outputs.map((o) => (
        <div key={o.name} className="form-section" style={{ gap: 6 }} data-testid={`output-${o.name}`}>
          <div className="output-meta">
            <span className="chip">{o.name}</span>
            <span>{o.python_type}</span>
            {o.table && (
              <span>
                {o.table.total_rows.toLocaleString()} rows × {o.table.columns.length} columns
                {o.table.rows.length < o.table.total_rows ? ` (first ${String(o.table.rows.length)} shown)` : ''}
              </span>
            )}
          </div>
          {o.table ? (
            <div className="output-table-wrap">
              <table className="output-table" data-testid="output-table">
                <thead>
                  <tr>
                    <th className="idx">#</th>
                    {o.table.columns.map((c) => (
                      <th key={c.name}>
                        {c.name}
                        <small>{c.data_type}</small>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {o.table.rows.map((row, i) => (
                    <tr key={i}>
                      <td className="idx">{i}</td>
                      {(row as unknown[]).map((cell, j) =>
                        cell == null ? (
                          <td key={j} className="null">
                            null
                          </td>
                        ) : (
                          <td key={j} title={String(cell as string)}>
                            {typeof cell === 'object' ? JSON.stringify(cell) : String(cell as string)}
                          </td>
                        ),
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : o.kind === 'json' ? (
            <pre className="json-view mono">{JSON.stringify(o.value, null, 2)}</pre>
          ) : (
            <div className="muted small">A {o.python_type} object (stored with pickle; no preview).</div>
          )}
        </div>
      ))}
    </>
  );
}

function timeOf(time: string): string {
  const t = Date.parse(time);
  if (Number.isNaN(t)) return time;
  return new Date(t).toLocaleTimeString(undefined, { hour12: false });
}

export function LogView({
  lines,
  empty = 'No output.',
  tall,
  live,
}: {
  lines: (LogLine & { index?: number })[];
  empty?: string;
  tall?: boolean;
  live?: boolean;
}) {
  return (
    <div className={`log${tall ? ' log--tall' : ''}`} data-testid="log" aria-live={live ? 'polite' : undefined}>
      {lines.length === 0 && <div className="log__empty">{empty}</div>}
      {lines.map((l, i) => (
        <div key={l.index ?? i} className={`log__line log__line--${l.stream}`} data-stream={l.stream}>
          <span className="log__time">{timeOf(l.time)}</span>
          <span className="log__text">{l.text}</span>
        </div>
      ))}
    </div>
  );
}
