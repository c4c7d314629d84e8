// The editor's changes to a pipeline's blocks (add, update, delete), one at a time: while one runs the page shows
// it is saving; a failure goes to the open dialog, or above the notebook for a change made outside a dialog.
import { useCallback, useState } from 'react';
import { useAddBlock, useDeleteBlock, useUpdateBlock, type BlockUpdate, type NewBlockInput } from '../../api/blocks';

export interface BlockChanges {
  busy: boolean;
  dialogError: unknown;
  actionError: unknown;
  clearDialogError: () => void;
  clearActionError: () => void;
  /** Each resolves true when the server took the change (its answer is then in the pipeline's cache). */
  addBlock: (block: NewBlockInput) => Promise<boolean>;
  updateBlock: (block: string, change: BlockUpdate, inDialog?: boolean) => Promise<boolean>;
  deleteBlock: (block: string, deleteFile: boolean) => Promise<boolean>;
}

export function useBlockChanges(uuid: string): BlockChanges {
  const add = useAddBlock(uuid).mutateAsync;
  const update = useUpdateBlock(uuid).mutateAsync;
  const remove = useDeleteBlock(uuid).mutateAsync;
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const change = useCallback(async (fn: () => Promise<unknown>, inDialog: boolean): Promise<boolean> => {
    setBusy(true);
    if (inDialog) setDialogError(null);
    else setActionError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      if (inDialog) setDialogError(e);
      else setActionError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  const addBlock = useCallback((block: NewBlockInput) => change(() => add(block), true), [change, add]);
  const updateBlock = useCallback(
    (block: string, body: BlockUpdate, inDialog = false) => change(() => update({ block, change: body }), inDialog),
    [change, update],
  );
  const deleteBlock = useCallback((block: string, deleteFile: boolean) => change(() => remove({ block, deleteFile }), true), [change, remove]);
  const clearDialogError = useCallback(() => setDialogError(null), []);
  const clearActionError = useCallback(() => setActionError(null), []);

  return { busy, dialogError, actionError, clearDialogError, clearActionError, addBlock, updateBlock, deleteBlock };
}
