import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Block } from '../../api/client';
import { RenameBlockDialog } from './dialogs';

const block = {
  uuid: 'load_titanic',
  name: 'load_titanic',
  type: 'data_loader',
  language: 'python',
  upstream_blocks: [],
  downstream_blocks: ['clean'],
  configuration: {},
  conditionals: [],
  callbacks: [],
  file: 'data_loaders/load_titanic.py',
  timeout: null,
  retries: null,
} as Block;

describe('RenameBlockDialog', () => {
  it('previews the new uuid and renames on Enter', async () => {
    const onRename = vi.fn();
    render(<RenameBlockDialog block={block} busy={false} error={null} onRename={onRename} onClose={() => {}} />);
    const input = screen.getByLabelText('New block name');
    await userEvent.clear(input);
    await userEvent.type(input, 'Load passengers!{Enter}');
    expect(screen.getByText('load_passengers')).toBeTruthy();
    expect(onRename).toHaveBeenCalledWith('Load passengers!');
  });

  it('offers no rename until the name changes to something with letters', async () => {
    render(<RenameBlockDialog block={block} busy={false} error={null} onRename={() => {}} onClose={() => {}} />);
    const button = screen.getByRole('button', { name: 'Rename' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    const input = screen.getByLabelText('New block name');
    await userEvent.clear(input);
    await userEvent.type(input, '!!!');
    expect(button.disabled).toBe(true);
  });
});
