import { describe, expect, it } from 'vitest';
import { descendantsOf, layoutDag } from './dag';
import { buildTree } from './fileTree';

const blocks = [
  { uuid: 'load', type: 'data_loader', upstream_blocks: [] },
  { uuid: 'clean', type: 'transformer', upstream_blocks: ['load'] },
  { uuid: 'stats', type: 'transformer', upstream_blocks: ['load'] },
  { uuid: 'export', type: 'data_exporter', upstream_blocks: ['clean', 'stats'] },
];

describe('pipeline graphs', () => {
  it('lays parents out above their children', () => {
    const pos = layoutDag(blocks);
    expect(pos.get('load')!.y).toBeLessThan(pos.get('clean')!.y);
    expect(pos.get('clean')!.y).toBe(pos.get('stats')!.y);
    expect(pos.get('clean')!.x).not.toBe(pos.get('stats')!.x);
    expect(pos.get('stats')!.y).toBeLessThan(pos.get('export')!.y);
  });

  it('finds every block below a block (they cannot become its parents)', () => {
    expect([...descendantsOf(blocks, 'load')].sort()).toEqual(['clean', 'export', 'stats']);
    expect([...descendantsOf(blocks, 'clean')]).toEqual(['export']);
    expect(descendantsOf(blocks, 'export').size).toBe(0);
  });

  it('turns the flat file list into a tree, folders first', () => {
    const tree = buildTree([
      { path: 'requirements.txt', is_dir: false, size: 3 },
      { path: 'transformers', is_dir: true, size: 0 },
      { path: 'transformers/clean.py', is_dir: false, size: 10 },
      { path: 'data_loaders', is_dir: true, size: 0 },
      { path: 'data_loaders/load.py', is_dir: false, size: 10 },
    ]);
    expect(tree.map((n) => n.name)).toEqual(['data_loaders', 'transformers', 'requirements.txt']);
    expect(tree[1]!.children.map((n) => n.entry.path)).toEqual(['transformers/clean.py']);
  });
});
