// The editor's side panel: the pipeline's DAG, coloured by the last execution of each block; drawing a line makes a
// parent, deleting one removes it (for a role that may edit: without `updateBlock`, the lines stay as they are), a
// click focuses the block's cell.
import { useCallback } from 'react';
import type { Block, BlockRunStatus } from '../../api/client';
import { DagGraph } from '../../components/DagGraph';
import type { BlockChanges } from './useBlockChanges';

export function DependencyTree({
  blocks,
  statuses,
  focused,
  updateBlock,
  onSelect,
}: {
  blocks: Block[];
  statuses: Record<string, BlockRunStatus>;
  focused: string | null;
  /** Changes a block; none: the tree is read only. */
  updateBlock?: BlockChanges['updateBlock'];
  onSelect: (block: string) => void;
}) {
  const onConnect = useCallback(
    (parent: string, child: string) => {
      const target = blocks.find((b) => b.uuid === child);
      if (!updateBlock || !target || target.upstream_blocks.includes(parent)) return;
      void updateBlock(child, { upstream_blocks: [...target.upstream_blocks, parent] });
    },
    [blocks, updateBlock],
  );

  const onDisconnect = useCallback(
    (parent: string, child: string) => {
      const target = blocks.find((b) => b.uuid === child);
      if (!updateBlock || !target) return;
      void updateBlock(child, { upstream_blocks: target.upstream_blocks.filter((u) => u !== parent) });
    },
    [blocks, updateBlock],
  );

  return (
    <aside className="editor__side">
      <div className="editor__side-header">
        <h2>Dependency tree</h2>
        <small>
          {updateBlock
            ? 'Drag from a block’s bottom dot to another block to make it a parent. Select a line and press Delete to remove it.'
            : 'Lines run from a parent to its children.'}
        </small>
      </div>
      <div className="editor__tree" data-testid="editor-tree">
        {blocks.length > 0 ? (
          <DagGraph
            blocks={blocks}
            statuses={statuses}
            selected={focused}
            onSelect={onSelect}
            onConnect={updateBlock ? onConnect : undefined}
            onDisconnect={updateBlock ? onDisconnect : undefined}
          />
        ) : (
          <div className="empty">The tree appears when the pipeline has blocks.</div>
        )}
      </div>
    </aside>
  );
}
