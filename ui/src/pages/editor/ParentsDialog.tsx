// The dialog that edits a block's parents: any block that is not itself or below it.
import { useMemo, useState } from 'react';
import type { Block } from '../../api/client';
import { ErrorAlert, Modal, Spinner } from '../../components/ui';
import { blockType } from '../../lib/blockTypes';
import { descendantsOf } from '../../lib/dag';

export function ParentsDialog({
  block,
  blocks,
  busy,
  error,
  onSave,
  onClose,
}: {
  block: Block;
  blocks: Block[];
  busy: boolean;
  error: unknown;
  onSave: (parents: string[]) => void;
  onClose: () => void;
}) {
  const [chosen, setChosen] = useState(() => new Set(block.upstream_blocks));
  const below = useMemo(() => descendantsOf(blocks, block.uuid), [blocks, block.uuid]);
  const candidates = blocks.filter((b) => b.uuid !== block.uuid && b.type !== 'markdown');
  return (
    <Modal
      title={`Parent blocks of ${block.uuid}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy}
            onClick={() => onSave(blocks.map((b) => b.uuid).filter((id) => chosen.has(id)))}
          >
            {busy && <Spinner />} Save parents
          </button>
        </>
      }
    >
      <p className="muted" style={{ margin: 0 }}>
        The block receives its parents' outputs as arguments, in this order.
      </p>
      {candidates.length === 0 && <p className="muted">This pipeline has no other block yet.</p>}
      <div className="choice-list" role="group" aria-label="Parent blocks">
        {candidates.map((b) => {
          const cycle = below.has(b.uuid);
          return (
            <label key={b.uuid} className={`choice${chosen.has(b.uuid) ? ' choice--selected' : ''}`} style={cycle ? { opacity: 0.55 } : undefined}>
              <input
                type="checkbox"
                checked={chosen.has(b.uuid)}
                disabled={cycle}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(b.uuid);
                  else next.delete(b.uuid);
                  setChosen(next);
                }}
              />
              <span className="mono">{b.uuid}</span>
              <small>{cycle ? 'depends on this block' : blockType(b.type).label}</small>
            </label>
          );
        })}
      </div>
      <ErrorAlert error={error} title="Could not change the parents" />
    </Modal>
  );
}
