// Browser test of SQL blocks in the editor: a SQL transformer added below a Python loader, run on DuckDB, its result
// table; then a failing statement, shown with the failing line of the rendered SQL marked. And Add block's data
// sources under Mage's groups: a SQL loader from the DuckDB template runs on DuckDB whatever the profile names first.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, setEditorText, type Session } from './harness';

let s: Session;
beforeEach(async () => {
  s = await openSession();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

interface BlockJson {
  uuid: string;
  configuration: Record<string, unknown>;
}

const LOADER = `import pandas as pd

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load_numbers(*args, **kwargs):
    return pd.DataFrame({'x': [1, 2, 3, 4, 5, 6, 7]})
`;

describe('SQL blocks', () => {
  it('adds a SQL transformer below a Python loader, runs it on DuckDB, and marks the failing line', async () => {
    const { page, ui } = s;
    // A profile that names PostgreSQL first, so DuckDB has to be picked in the cell.
    const project = await s.api<{ root: string }>('GET', '/project');
    const io = await s.api<{ version: string }>('GET', '/files/content?path=io_config.yaml');
    await s.api('PUT', '/files/content', {
      path: 'io_config.yaml',
      content: `version: 0.1.1\ndefault:\n  POSTGRES_HOST: localhost\n  DUCKDB_DATABASE: ${project.root}/e2e.duckdb\nwarehouse:\n  MYSQL_HOST: localhost\n`,
      version: io.version,
    });
    await s.api('POST', '/pipelines', { name: 'sql demo' });
    await s.api('POST', '/pipelines/sql_demo/blocks', { name: 'load_numbers', type: 'data_loader', template: 'data_loader/generic' });
    const code = await s.api<{ version: string }>('GET', '/pipelines/sql_demo/blocks/load_numbers/code');
    await s.api('PUT', '/pipelines/sql_demo/blocks/load_numbers/code', { content: LOADER, version: code.version });

    await page.goto(`${ui.url}/pipelines/sql_demo/edit`);
    await page.getByTestId('cell-load_numbers').waitFor();
    await page.getByTestId('add-block').getByRole('button', { name: 'Transformer' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'SQL' }).click();
    await dialog.getByLabel('Block name').fill('count_rows');
    await dialog.getByText('transformers/count_rows.sql').waitFor();
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Add block' }).click();

    const cell = page.getByTestId('cell-count_rows');
    await cell.getByTestId('sql-settings').waitFor();
    expect(await cell.getByTestId('sql-provider').inputValue()).toBe('postgres');
    await expect.poll(() => cell.getByTestId('sql-profile').locator('option').allTextContents(), POLL).toEqual(['default', 'warehouse']);
    await cell.getByTestId('sql-provider').selectOption('duckdb');
    await cell.getByLabel('Table').fill('row_counts');
    await cell.getByLabel('Table').press('Enter');
    await expect
      .poll(async () => {
        const blocks = await s.api<BlockJson[]>('GET', '/pipelines/sql_demo/blocks');
        return blocks.find((b) => b.uuid === 'count_rows')?.configuration;
      }, POLL)
      .toMatchObject({
        data_provider: 'duckdb',
        data_provider_profile: 'default',
        data_provider_schema: 'main',
        data_provider_table: 'row_counts',
        export_write_policy: 'append',
        use_raw_sql: false,
      });

    // The parents' names complete, `df_1` first.
    await setEditorText(page, '[data-testid="cell-count_rows"]', 'SELECT COUNT(*) AS n FROM {{ d');
    await page.keyboard.type('f');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'df_1' }).first().waitFor();
    await page.keyboard.press('Escape');

    await setEditorText(page, '[data-testid="cell-count_rows"]', 'SELECT COUNT(*) AS n FROM {{ df_1 }}');
    await cell.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await cell.getByRole('button', { name: 'Actions of count_rows' }).click();
    await page.getByRole('menuitem', { name: 'Run with upstream blocks' }).click();
    const table = cell.getByTestId('output-table');
    await table.waitFor({ timeout: 90_000 });
    expect((await table.locator('thead th').allTextContents()).some((t) => t.startsWith('n'))).toBe(true);
    expect(await table.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('7');
    await s.shot('40-sql-cell-result');

    // A failing statement: the message, and the rendered SQL with the failing line marked.
    await setEditorText(page, '[data-testid="cell-count_rows"]', 'SELECT COUNT(*) AS n\nFROM {{ df_1 }}\nWHERE no_such_column = 1');
    await cell.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await cell.getByTestId('run-block').click();
    const sql = cell.getByTestId('sql-error-sql');
    await sql.waitFor({ timeout: 90_000 });
    const failing = sql.locator('[data-failing]');
    await expect.poll(() => failing.count(), POLL).toBe(1);
    expect(await failing.textContent()).toContain('no_such_column');
    expect(await cell.getByTestId('sql-error').locator('.sql-error__message').textContent()).toMatch(/no_such_column/);
    await sql.scrollIntoViewIfNeeded();
    await s.shot('41-sql-cell-error');
  });

  it('adds a SQL loader from the DuckDB template of the Databases group and runs it on DuckDB', async () => {
    const { page, ui } = s;
    const project = await s.api<{ root: string }>('GET', '/project');
    const io = await s.api<{ version: string }>('GET', '/files/content?path=io_config.yaml');
    await s.api('PUT', '/files/content', {
      path: 'io_config.yaml',
      content: `version: 0.1.1\ndefault:\n  POSTGRES_HOST: localhost\n  DUCKDB_DATABASE: ${project.root}/sources.duckdb\n`,
      version: io.version,
    });
    await s.api('POST', '/pipelines', { name: 'sources' });
    await page.goto(`${ui.url}/pipelines/sources/edit`);
    await page.getByTestId('add-block').getByRole('button', { name: 'Data loader' }).click();
    const dialog = page.getByRole('dialog');
    // Python: the generic template first, then the data sources under Mage's groups.
    await dialog.getByRole('group', { name: 'Data lakes' }).getByRole('radio', { name: /Amazon S3/ }).waitFor();
    await s.shot('42-add-block-data-sources');
    await dialog.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'SQL' }).click();
    await dialog.getByRole('group', { name: 'Databases' }).getByRole('radio', { name: /DuckDB/ }).check();
    await dialog.getByLabel('Block name').fill('load_ids');
    await dialog.getByRole('button', { name: 'Add block' }).click();

    const cell = page.getByTestId('cell-load_ids');
    await cell.getByTestId('sql-settings').waitFor();
    expect(await cell.getByTestId('sql-provider').inputValue()).toBe('duckdb');
    const blocks = await s.api<BlockJson[]>('GET', '/pipelines/sources/blocks');
    expect(blocks.find((b) => b.uuid === 'load_ids')?.configuration).toMatchObject({
      data_provider: 'duckdb',
      data_provider_schema: 'main',
    });
    await cell.getByTestId('run-block').click();
    const table = cell.getByTestId('output-table');
    await table.waitFor({ timeout: 90_000 });
    expect(await table.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('1');
  });
});
