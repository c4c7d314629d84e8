// The dependency tree of a pipeline: React Flow nodes laid out top to bottom by dagre, coloured by block type and,
// when known, by the status of the block's last run. In editable mode, dragging from a node's bottom handle to
// another node adds a dependency, and a selected edge is removed with Delete or Backspace.
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  useStore,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { BlockRunStatus } from '../api/client';
import { blockType, statusLabel, statusTone } from '../lib/blockTypes';
import { layoutDag, type DagBlock } from '../lib/dag';

export type { DagBlock };

type BlockNodeData = { uuid: string; type: string; status?: BlockRunStatus; selected: boolean };
type BlockNode = Node<BlockNodeData, 'block'>;

const BlockNodeView = memo(function BlockNodeView({ data }: NodeProps<BlockNode>) {
  const info = blockType(data.type);
  const tone = data.status ? statusTone(data.status) : null;
  return (
    <div
      className={`dag-node${tone ? ` dag-node--${tone}` : ''}${data.selected ? ' dag-node--selected' : ''}`}
      style={{ ['--node-color' as string]: info.color }}
      data-testid={`dag-node-${data.uuid}`}
      data-status={data.status ?? ''}
    >
      <Handle type="target" position={Position.Top} />
      <span className="dag-node__name" title={data.uuid}>
        {data.uuid}
      </span>
      <span className="dag-node__meta">
        {info.label}
        {data.status && <span className={`dag-node__status dag-node__status--${tone ?? 'neutral'}`}>{statusLabel(data.status)}</span>}
      </span>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});

const nodeTypes = { block: BlockNodeView };

/** Fits the graph into view again when the panel's size changes. */
function FitOnResize() {
  const { fitView } = useReactFlow();
  const initialized = useNodesInitialized();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  useEffect(() => {
    if (!initialized || width === 0 || height === 0) return;
    const t = requestAnimationFrame(() => void fitView({ padding: 0.15, maxZoom: 1 }));
    return () => cancelAnimationFrame(t);
  }, [initialized, width, height, fitView]);
  return null;
}

export interface DagGraphProps {
  blocks: DagBlock[];
  statuses?: Record<string, BlockRunStatus | undefined>;
  selected?: string | null;
  onSelect?: (uuid: string) => void;
  /** Editable: a new edge parent → child. */
  onConnect?: (parent: string, child: string) => void;
  /** Editable: edges removed. */
  onDisconnect?: (parent: string, child: string) => void;
}

function DagGraphInner({ blocks, statuses, selected, onSelect, onConnect, onDisconnect }: DagGraphProps) {
  const editable = !!onConnect;
  const positions = useMemo(() => layoutDag(blocks), [blocks]);

  const nodes: BlockNode[] = useMemo(
    () =>
      blocks.map((b) => ({
        id: b.uuid,
        type: 'block' as const,
        position: positions.get(b.uuid) ?? { x: 0, y: 0 },
        data: { uuid: b.uuid, type: b.type, status: statuses?.[b.uuid], selected: selected === b.uuid },
        draggable: false,
        deletable: false,
        connectable: editable,
      })),
    [blocks, positions, statuses, selected, editable],
  );

  // The edges are controlled: their selection is kept here, so Delete knows what to remove.
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(() => new Set());
  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((prev) => {
      const next = new Set(prev);
      for (const c of changes) {
        if (c.type === 'select') {
          if (c.selected) next.add(c.id);
          else next.delete(c.id);
        } else if (c.type === 'remove') {
          next.delete(c.id);
        }
      }
      return next;
    });
  }, []);

  const edges: Edge[] = useMemo(() => {
    const ids = new Set(blocks.map((b) => b.uuid));
    return blocks.flatMap((b) =>
      b.upstream_blocks
        .filter((up) => ids.has(up))
        .map((up) => ({
          id: `${up}->${b.uuid}`,
          source: up,
          target: b.uuid,
          deletable: editable,
          focusable: editable,
          selected: selectedEdges.has(`${up}->${b.uuid}`),
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        })),
    );
  }, [blocks, editable, selectedEdges]);

  const handleConnect = useCallback(
    (c: Connection) => {
      if (c.source && c.target && c.source !== c.target) onConnect?.(c.source, c.target);
    },
    [onConnect],
  );

  const handleEdgesDelete = useCallback(
    (removed: Edge[]) => {
      for (const e of removed) onDisconnect?.(e.source, e.target);
    },
    [onDisconnect],
  );

  return (
    <ReactFlow
      className={`dag${editable ? ' dag--editable' : ''}`}
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onConnect={handleConnect}
      onEdgesChange={onEdgesChange}
      onEdgesDelete={handleEdgesDelete}
      onNodeClick={(_, n) => onSelect?.(n.id)}
      nodesDraggable={false}
      nodesConnectable={editable}
      edgesFocusable={editable}
      elementsSelectable
      deleteKeyCode={editable ? ['Delete', 'Backspace'] : null}
      fitView
      fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
      minZoom={0.3}
      maxZoom={1.6}
      proOptions={{ hideAttribution: true }}
    >
      <FitOnResize />
      <Background gap={18} size={1} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

export function DagGraph(props: DagGraphProps) {
  // A new shape (blocks or links) is laid out and fitted afresh.
  const shape = props.blocks.map((b) => `${b.uuid}<${b.upstream_blocks.join(',')}`).join('|');
  return (
    <ReactFlowProvider key={shape}>
      <DagGraphInner {...props} />
    </ReactFlowProvider>
  );
}
