import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqlSettings } from './SqlSettings';

afterEach(() => {
  vi.unstubAllGlobals();
});

function renderSettings(configuration: Record<string, unknown>) {
  vi.stubGlobal(
    'fetch',
    vi.fn(() =>
      Promise.resolve(
        new Response(
          JSON.stringify([
            { name: 'default', providers: ['postgres'] },
            { name: 'local', providers: ['duckdb'] },
          ]),
          { status: 200, headers: { 'Content-Type': 'application/json' } },
        ),
      ),
    ),
  );
  const onChange = vi.fn(() => Promise.resolve(true));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <SqlSettings block="count_rows" configuration={configuration} onChange={onChange} />
    </QueryClientProvider>,
  );
  return onChange;
}

describe('SqlSettings', () => {
  it('saves each setting under Mage’s key; a default schema follows the database', async () => {
    const onChange = renderSettings({ data_provider: 'postgres', data_provider_profile: 'default', data_provider_schema: 'public' });
    await screen.findByRole('option', { name: 'local' });
    await userEvent.selectOptions(screen.getByLabelText('Database'), 'duckdb');
    expect(onChange).toHaveBeenLastCalledWith({ data_provider: 'duckdb', data_provider_schema: 'main' });
    await userEvent.selectOptions(screen.getByLabelText('Profile'), 'local');
    expect(onChange).toHaveBeenLastCalledWith({ data_provider_profile: 'local' });
    await userEvent.type(screen.getByLabelText('Table'), 'counts{Enter}');
    expect(onChange).toHaveBeenLastCalledWith({ data_provider_table: 'counts' });
    await userEvent.type(screen.getByLabelText('Limit'), '50');
    await userEvent.tab();
    expect(onChange).toHaveBeenLastCalledWith({ limit: 50 });
    await userEvent.click(screen.getByLabelText('Raw SQL'));
    expect(onChange).toHaveBeenLastCalledWith({ use_raw_sql: true });
  });

  it('offers every database Mage runs SQL on, each with Mage’s default schema', async () => {
    const onChange = renderSettings({ data_provider: 'duckdb', data_provider_profile: 'default', data_provider_schema: 'main' });
    const select = screen.getByLabelText('Database');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'DuckDB',
      'PostgreSQL',
      'MySQL',
      'BigQuery',
      'Snowflake',
      'Amazon Redshift',
      'Microsoft SQL Server',
      'ClickHouse',
      'Trino',
    ]);
    // The block's schema was DuckDB's default, so it follows each database (Redshift's `public`, SQL Server's `dbo`,
    // none for BigQuery).
    for (const [provider, schema] of [
      ['redshift', 'public'],
      ['mssql', 'dbo'],
      ['bigquery', ''],
    ] as const) {
      await userEvent.selectOptions(select, provider);
      expect(onChange).toHaveBeenLastCalledWith({ data_provider: provider, data_provider_schema: schema });
    }
  });

  it('says when the profile has no settings for the database, or does not exist', async () => {
    renderSettings({ data_provider: 'duckdb', data_provider_profile: 'default' });
    await waitFor(() => expect(screen.getByRole('note').textContent).toMatch(/has no DuckDB settings/));
    const onChange = renderSettings({ data_provider: 'duckdb', data_provider_profile: 'gone', data_provider_schema: 'analytics' });
    await waitFor(() => expect(screen.getAllByRole('note').some((n) => /no profile gone/.test(n.textContent ?? ''))).toBe(true));
    // A schema of the user's own stays when the database changes.
    await userEvent.selectOptions(screen.getAllByLabelText('Database')[1] as HTMLSelectElement, 'mysql');
    expect(onChange).toHaveBeenLastCalledWith({ data_provider: 'mysql' });
  });
});
