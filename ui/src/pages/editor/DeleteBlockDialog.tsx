// The dialog that deletes a block from the pipeline, and its file too if asked.
import { useState } from 'react';
import type { Block } from '../../api/client';
import { ConfirmDialog } from '../../components/ui';

export function DeleteBlockDialog({
  block,
  busy,
  error,
  onDelete,
  onClose,
}: {
  block: Block;
  busy: boolean;
  error: unknown;
  onDelete: (deleteFile: boolean) => void;
  onClose: () => void;
}) {
  const [deleteFile, setDeleteFile] = useState(false);
  return (
    <ConfirmDialog
      title={`Delete block ${block.uuid}?`}
      busy={busy}
      error={error}
      confirmLabel="Delete block"
      onConfirm={() => onDelete(deleteFile)}
      onClose={onClose}
    >
      <p style={{ margin: 0 }}>
        The block is removed from this pipeline; its children lose it as a parent.
        {block.downstream_blocks.length > 0 && (
          <>
            {' '}
            Children: <code>{block.downstream_blocks.join(', ')}</code>.
          </>
        )}
      </p>
      <label className="check">
        <input type="checkbox" checked={deleteFile} onChange={(e) => setDeleteFile(e.target.checked)} />
        <span className="check__text">
          <span>
            Also delete the file <code>{block.file}</code>
          </span>
          <small>Keep it if other pipelines use it.</small>
        </span>
      </label>
    </ConfirmDialog>
  );
}
