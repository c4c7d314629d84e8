import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddBlockDialog } from './AddBlockDialog';

afterEach(() => {
  vi.unstubAllGlobals();
});

const template = (key: string, language: string, label: string, group: string | null = null, data_provider: string | null = null) => ({
  key,
  type: key.split('/')[0],
  language,
  label,
  group,
  data_provider,
});
const TEMPLATES = [
  template('transformer/generic', 'python', 'Generic (no template)'),
  template('transformer/sql', 'sql', "Generic (the profile's database)"),
  template('sensor/generic', 'python', 'Generic (no template)'),
  template('data_loader/generic', 'python', 'Generic (no template)'),
  template('data_loader/file', 'python', 'Local file', 'Files'),
  template('data_loader/s3', 'python', 'Amazon S3', 'Data lakes'),
  template('data_loader/postgres', 'python', 'PostgreSQL', 'Databases'),
  template('data_loader/sql', 'sql', "Generic (the profile's database)"),
  template('data_loader/sql/duckdb', 'sql', 'DuckDB', 'Databases', 'duckdb'),
  template('data_loader/sql/postgres', 'sql', 'PostgreSQL', 'Databases', 'postgres'),
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

  it('shows the data sources under Mage’s groups, and a SQL template for one database', async () => {
    const onAdd = renderDialog('data_loader');
    await screen.findByText('Amazon S3');
    const groups = screen.getAllByRole('group').filter((g) => g.classList.contains('choice-group'));
    expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['Files', 'Data lakes', 'Databases']);
    expect(within(screen.getByRole('group', { name: 'Data lakes' })).getByRole('radio', { name: /Amazon S3/ })).toBeTruthy();
    // The generic template comes first, outside the groups, and is chosen.
    const radios = screen.getAllByRole('radio');
    expect(radios[0]?.closest('label')?.textContent).toMatch(/^Generic \(no template\)/);
    expect((radios[0] as HTMLInputElement).checked).toBe(true);

    await userEvent.click(screen.getByRole('button', { name: 'SQL' }));
    const databases = await screen.findByRole('group', { name: 'Databases' });
    expect(screen.queryByText('Amazon S3')).toBeNull();
    await userEvent.click(within(databases).getByRole('radio', { name: /PostgreSQL/ }));
    await userEvent.type(screen.getByLabelText('Block name'), 'orders');
    await userEvent.click(screen.getByRole('button', { name: 'Add block' }));
    expect(onAdd).toHaveBeenLastCalledWith(
      expect.objectContaining({ name: 'orders', type: 'data_loader', language: 'sql', template: 'data_loader/sql/postgres' }),
    );
  });

  it('offers no SQL for a type whose blocks cannot be SQL', async () => {
    renderDialog('sensor');
    await screen.findByText('Generic (no template)');
    expect(screen.queryByRole('group', { name: 'Language' })).toBeNull();
  });
});
