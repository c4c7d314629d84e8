// The project's flat file list (GET /files) as a tree.
import type { FileEntry } from '../api/client';

export interface TreeNode {
  entry: FileEntry;
  name: string;
  children: TreeNode[];
}

/** The flat list of the API as a tree: folders first, then files, each by name. */
export function buildTree(entries: FileEntry[]): TreeNode[] {
  const root: TreeNode[] = [];
  const dirs = new Map<string, TreeNode>();
  const sorted = [...entries].sort((a, b) => a.path.localeCompare(b.path));
  for (const entry of sorted) {
    const parts = entry.path.split('/');
    const name = parts[parts.length - 1] ?? entry.path;
    const parentPath = parts.slice(0, -1).join('/');
    const node: TreeNode = { entry, name, children: [] };
    if (entry.is_dir) dirs.set(entry.path, node);
    const parent = parentPath ? dirs.get(parentPath) : undefined;
    (parent ? parent.children : root).push(node);
  }
  const order = (list: TreeNode[]) => {
    list.sort((a, b) => Number(b.entry.is_dir) - Number(a.entry.is_dir) || a.name.localeCompare(b.name));
    list.forEach((n) => order(n.children));
  };
  order(root);
  return root;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
