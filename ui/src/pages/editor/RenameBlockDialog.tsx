// The dialog that renames a block, previewing the uuid the new name gives (its file and the blocks below follow).
import { useState } from 'react';
import type { Block } from '../../api/client';
import { ErrorAlert, Modal, Spinner } from '../../components/ui';
import { slugify } from '../../lib/blockTypes';

export function RenameBlockDialog({
  block,
  busy,
  error,
  onRename,
  onClose,
}: {
  block: Block;
  busy: boolean;
  error: unknown;
  onRename: (name: string) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(block.name);
  const uuid = slugify(name);
  return (
    <Modal
      title={`Rename ${block.uuid}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy || !uuid || name.trim() === block.name}
            onClick={() => onRename(name)}
          >
            {busy && <Spinner />} Rename
          </button>
        </>
      }
    >
      <label className="field">
        <span>New name</span>
        <input
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && uuid && !busy) onRename(name);
          }}
          aria-label="New block name"
        />
      </label>
      <p className="muted" style={{ margin: 0 }}>
        Its uuid becomes <span className="mono">{uuid || '…'}</span>; the blocks below it follow, and its file is renamed
        when no other pipeline uses it.
      </p>
      <ErrorAlert error={error} title="Could not rename the block" />
    </Modal>
  );
}
