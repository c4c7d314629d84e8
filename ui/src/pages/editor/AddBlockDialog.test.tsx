import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddBlockDialog } from './AddBlockDialog';

afterEach(() => {
  vi.unstubAllGlobals();
});

const TEMPLATES = [
  { key: 'transformer/generic', type: 'transformer', language: 'python', label: 'Generic (no template)' },
  { key: 'transformer/sql', type: 'transformer', language: 'sql', label: 'SQL' },
  { key: 'sensor/generic', type: 'sensor', language: 'python', label: 'Generic (no template)' },
];
const FILES = [
  { path: 'transformers/clean.py', is_dir: false },
  { path: 'transformers/totals.sql', is_dir: false },
];

function renderDialog(type: string) {
  vi.stubGlobal(
    'fetch',
    vi.fn((request: Request) => {
      const path = new URL(request.url).pathname.replace('/api/v1', '');
      const body = path === '/block_templates' ? TEMPLATES : path === '/files' ? FILES : [];
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }));
    }),
  );
  const onAdd = vi.fn();
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <AddBlockDialog type={type} blocks={[]} busy={false} error={null} onAdd={onAdd} onClose={() => {}} />
    </QueryClientProvider>,
  );
  return onAdd;
}

describe('AddBlockDialog', () => {
  it('adds a SQL block from the SQL template, or from a .sql file', async () => {
    const onAdd = renderDialog('transformer');
    await screen.findByText('Generic (no template)');
    await userEvent.click(screen.getByRole('button', { name: 'SQL' }));
    await screen.findByText('transformer/sql · sql');
    expect(screen.queryByText('Generic (no template)')).toBeNull();
    await userEvent.type(screen.getByLabelText('Block name'), 'count rows');
    expect(screen.getByText('A new file transformers/count_rows.sql is written from the template.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Add block' }));
    expect(onAdd).toHaveBeenLastCalledWith(expect.objectContaining({ name: 'count rows', language: 'sql', template: 'transformer/sql' }));

    await userEvent.click(screen.getByRole('button', { name: 'Existing file' }));
    expect(screen.queryByText('transformers/clean.py')).toBeNull();
    await userEvent.click(screen.getByText('transformers/totals.sql'));
    await userEvent.click(screen.getByRole('button', { name: 'Add block' }));
    expect(onAdd).toHaveBeenLastCalledWith(
      expect.objectContaining({ language: 'sql', existing_file: 'transformers/totals.sql', template: undefined }),
    );
  });

  it('offers no SQL for a type whose blocks cannot be SQL', async () => {
    renderDialog('sensor');
    await screen.findByText('Generic (no template)');
    expect(screen.queryByRole('group', { name: 'Language' })).toBeNull();
  });
});
