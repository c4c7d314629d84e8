// Graph helpers for pipelines: layout of the DAG (dagre, top to bottom) and the blocks below a block.
import { Graph, layout } from '@dagrejs/dagre';

export interface DagBlock {
  uuid: string;
  type: string;
  upstream_blocks: string[];
}

export const NODE_W = 184;
export const NODE_H = 48;

/** Positions of the nodes, top to bottom (top-left corners). */
export function layoutDag(blocks: DagBlock[]): Map<string, { x: number; y: number }> {
  const g = new Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(blocks.map((b) => b.uuid));
  for (const b of blocks) g.setNode(b.uuid, { width: NODE_W, height: NODE_H });
  for (const b of blocks) {
    for (const up of b.upstream_blocks) if (ids.has(up)) g.setEdge(up, b.uuid);
  }
  layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const b of blocks) {
    const n = g.node(b.uuid) as { x: number; y: number } | undefined;
    out.set(b.uuid, { x: (n?.x ?? 0) - NODE_W / 2, y: (n?.y ?? 0) - NODE_H / 2 });
  }
  return out;
}

/** Every block below `uuid` (its children, their children...), following upstream links: they cannot become its parents. */
export function descendantsOf(blocks: DagBlock[], uuid: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const b of blocks) {
    for (const up of b.upstream_blocks) children.set(up, [...(children.get(up) ?? []), b.uuid]);
  }
  const out = new Set<string>();
  const stack = [...(children.get(uuid) ?? [])];
  while (stack.length) {
    const id = stack.pop() as string;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}
