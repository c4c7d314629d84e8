// The editor's open dialog, if any: add a block, edit a block's parents, rename or delete a block. Each closes once
// the server took the change; an added or renamed block is then focused.
import type { Block } from '../../api/client';
import type { BlockChanges } from './useBlockChanges';
import { AddBlockDialog, AddDbtModelDialog, DeleteBlockDialog, ParentsDialog, RenameBlockDialog, type NewBlock } from './dialogs';

export type EditorDialog =
  | { kind: 'add'; type: string }
  | { kind: 'parents'; block: Block }
  | { kind: 'rename'; block: Block }
  | { kind: 'delete'; block: Block };

export function EditorDialogs({
  dialog,
  blocks,
  changes,
  onClose,
  onFocus,
}: {
  dialog: EditorDialog | null;
  blocks: Block[];
  changes: BlockChanges;
  onClose: () => void;
  /** Focuses a block's cell; `scroll` brings it into view as well. */
  onFocus: (block: string, scroll: boolean) => void;
}) {
  const { busy, dialogError: error, addBlock, updateBlock, deleteBlock } = changes;
  const closeDialog = () => {
    onClose();
    changes.clearDialogError();
  };
  switch (dialog?.kind) {
    case 'add': {
      const onAdd = (b: NewBlock) =>
        void addBlock(b).then((ok) => {
          if (ok) {
            onClose();
            // A dbt model block is named by its path, other blocks by their name made a uuid.
            onFocus(b.type === 'dbt' ? b.name : b.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_'), true);
          }
        });
      return dialog.type === 'dbt' ? (
        <AddDbtModelDialog blocks={blocks} busy={busy} error={error} onAdd={onAdd} onClose={closeDialog} />
      ) : (
        <AddBlockDialog type={dialog.type} blocks={blocks} busy={busy} error={error} onAdd={onAdd} onClose={closeDialog} />
      );
    }
    case 'parents':
      return (
        <ParentsDialog
          block={dialog.block}
          blocks={blocks}
          busy={busy}
          error={error}
          onSave={(parents) => void updateBlock(dialog.block.uuid, { upstream_blocks: parents }, true).then((ok) => ok && closeDialog())}
          onClose={closeDialog}
        />
      );
    case 'rename':
      return (
        <RenameBlockDialog
          block={dialog.block}
          busy={busy}
          error={error}
          onRename={(name) =>
            void updateBlock(dialog.block.uuid, { name }, true).then((ok) => {
              if (ok) {
                closeDialog();
                onFocus(name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, ''), false);
              }
            })
          }
          onClose={closeDialog}
        />
      );
    case 'delete':
      return (
        <DeleteBlockDialog
          block={dialog.block}
          busy={busy}
          error={error}
          onDelete={(deleteFile) => void deleteBlock(dialog.block.uuid, deleteFile).then((ok) => ok && closeDialog())}
          onClose={closeDialog}
        />
      );
    default:
      return null;
  }
}
