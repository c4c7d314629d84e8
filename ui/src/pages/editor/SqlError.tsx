// A failed SQL block's error: the message, then the rendered SQL with its line numbers and the failing line marked.
import { splitSqlError } from '../../lib/sqlBlock';

export function SqlError({ error }: { error: string }) {
  const { message, sql } = splitSqlError(error);
  return (
    <div className="sql-error" data-testid="sql-error">
      <pre className="log sql-error__message">{message}</pre>
      {sql.length > 0 && (
        <pre className="log sql-error__sql" aria-label="Rendered SQL" data-testid="sql-error-sql">
          {sql.map((line, i) => (
            <div
              key={i}
              className={`sql-error__line${line.failing ? ' sql-error__line--failing' : ''}`}
              data-failing={line.failing || undefined}
              aria-current={line.failing || undefined}
            >
              <span className="sql-error__number">{Number.isNaN(line.number) ? '' : line.number}</span>
              <span className="sql-error__text">{line.text || ' '}</span>
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}
