// The "Parent" field of the add-block dialogs: a new block may run after the pipeline's last block.
import type { Block } from '../../api/client';

export function ParentField({ last, checked, onChange, hint }: { last: Block | undefined; checked: boolean; onChange: (checked: boolean) => void; hint: string }) {
  return (
    <div className="field">
      <span className="field__label">Parent</span>
      {last ? (
        <label className="check">
          <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
          <span className="check__text">
            <span>
              Run after <code>{last.uuid}</code>
            </span>
            <small>{hint}</small>
          </span>
        </label>
      ) : (
        <span className="field__hint">The first block has no parent.</span>
      )}
    </div>
  );
}
