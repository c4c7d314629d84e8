// Editable key/value rows (a trigger's or a run's variables).
import { X } from 'lucide-react';

/** Key/value rows for variables. */
export function KeyValueEditor({
  rows,
  onChange,
  keyPlaceholder = 'name',
  valuePlaceholder = 'value (text, number, true/false or JSON)',
}: {
  rows: { key: string; value: string }[];
  onChange: (rows: { key: string; value: string }[]) => void;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
}) {
  return (
    <div className="kv-rows">
      {rows.map((row, i) => (
        <div className="kv-row" key={i}>
          <input
            className="input input--mono"
            aria-label={`Variable ${String(i + 1)} name`}
            placeholder={keyPlaceholder}
            value={row.key}
            onChange={(e) => onChange(rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))}
          />
          <input
            className="input input--mono"
            aria-label={`Variable ${String(i + 1)} value`}
            placeholder={valuePlaceholder}
            value={row.value}
            onChange={(e) => onChange(rows.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))}
          />
          <button
            type="button"
            className="btn btn--ghost btn--icon"
            aria-label={`Remove variable ${String(i + 1)}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            <X />
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn--sm" onClick={() => onChange([...rows, { key: '', value: '' }])}>
          + Add variable
        </button>
      </div>
    </div>
  );
}
