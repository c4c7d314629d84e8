// The seed tour, end to end in a browser: a new project, a standard pipeline with a loader from a template and a
// transformer and an exporter from existing files, linked in both ways, a block run with its table, a trigger,
// "Run pipeline now", the run's blocks, logs and timeline, the runs list, the overview dashboard (light and dark) and
// a pipeline's Stats tab, the terminal and the settings.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { centerOf, drag, openSession, POLL, setEditorText, type Session } from './harness';

const LOADER = `import pandas as pd

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load_people(*args, **kwargs):
    print('loading people')
    return pd.DataFrame({
        'name': ['Ada', 'Grace', 'Linus'],
        'age': [36.0, None, 29.0],
        'city': ['London', 'Arlington', 'Helsinki'],
    })
`;

const EXPORTER = `if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_rows(df, *args, **kwargs):
    print(f'exporting {len(df)} rows')
`;

describe('the seed tour', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession();
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await s?.shot('FAILED-tour').catch(() => undefined);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('builds, links, runs and inspects a pipeline in the browser', async () => {
    const { page, ui, shot } = s;
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

    // The pipelines list of the new project.
    await page.goto(`${ui.url}/pipelines`);
    await page.getByTestId('pipeline-row-example_pipeline').waitFor();
    await expect.poll(() => page.getByTestId('project-name').textContent(), POLL).toBe('spellbook');
    await shot('01-pipelines');

    // An exporter file, made on the Files page.
    await nav('Files');
    await page.getByRole('button', { name: 'New file' }).click();
    const pathInput = page.getByLabel('Path in the project');
    await pathInput.fill('data_exporters/export_rows.py');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('open-file').filter({ hasText: 'data_exporters/export_rows.py' }).waitFor();
    await page.getByTestId('file-save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await setEditorText(page, '.files__code', EXPORTER);
    await page.getByTestId('file-save-state').filter({ hasText: /^Unsaved$/ }).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('file-save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await shot('02-files');

    // + New → Standard (batch).
    await nav('Pipelines');
    await page.getByTestId('new-pipeline').click();
    await expect(page.getByRole('menuitem', { name: /Data integration/ }).isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('menuitem', { name: /Streaming/ }).isDisabled()).resolves.toBe(true);
    await page.getByRole('menuitem', { name: /Standard \(batch\)/ }).click();
    await page.getByLabel('Name').fill('Tour pipeline');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/pipelines\/tour_pipeline\/edit$/);
    await page.getByTestId('pipeline-name').filter({ hasText: 'Tour pipeline' }).waitFor();

    // A data loader from the generic template, its code replaced in CodeMirror.
    await page.getByTestId('add-block').getByRole('button', { name: 'Data loader' }).click();
    await page.getByRole('radio', { name: /Generic/ }).check();
    await page.getByLabel('Block name').fill('load_people');
    await page.getByRole('button', { name: 'Add block' }).click();
    const loader = page.getByTestId('cell-load_people');
    await loader.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await setEditorText(page, '[data-testid="cell-load_people"]', LOADER);
    await loader.getByTestId('save-state').filter({ hasText: /Unsaved|Saving/ }).waitFor();
    await loader.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    const stored = await s.api<{ content: string }>('GET', '/pipelines/tour_pipeline/blocks/load_people/code');
    expect(stored.content).toContain("'Grace'");

    // A transformer and an exporter from existing files.
    await page.getByTestId('add-block').getByRole('button', { name: 'Transformer' }).click();
    await page.getByRole('button', { name: 'Existing file' }).click();
    await page.getByRole('radio', { name: 'transformers/fill_in_missing_values.py' }).check();
    await expect.poll(() => page.getByLabel('Block name').inputValue(), POLL).toBe('fill_in_missing_values');
    await page.getByRole('button', { name: 'Add block' }).click();
    await page.getByTestId('cell-fill_in_missing_values').waitFor();

    await page.getByTestId('add-block').getByRole('button', { name: 'Data exporter' }).click();
    await page.getByRole('button', { name: 'Existing file' }).click();
    await page.getByRole('radio', { name: 'data_exporters/export_rows.py' }).check();
    await page.getByRole('button', { name: 'Add block' }).click();
    await page.getByTestId('cell-export_rows').waitFor();

    // "Edit parent blocks": load_people → fill_in_missing_values.
    const transformer = page.getByTestId('cell-fill_in_missing_values');
    await transformer.getByRole('button', { name: 'Actions of fill_in_missing_values' }).click();
    await page.getByRole('menuitem', { name: /Edit parent blocks/ }).click();
    await page.getByRole('dialog').getByRole('checkbox').first().check();
    await page.getByRole('button', { name: 'Save parents' }).click();
    await transformer.locator('.cell__parents').filter({ hasText: 'load_people' }).waitFor();

    // Dragging in the tree: fill_in_missing_values → export_rows.
    const tree = '[data-testid="editor-tree"]';
    await page.locator(`${tree} .react-flow__node[data-id="export_rows"]`).waitFor();
    const from = await centerOf(page, `${tree} .react-flow__node[data-id="fill_in_missing_values"] .react-flow__handle.source`);
    const to = await centerOf(page, `${tree} .react-flow__node[data-id="export_rows"] .react-flow__handle.target`);
    await drag(page, from, to);
    await page.getByTestId('cell-export_rows').locator('.cell__parents').filter({ hasText: 'fill_in_missing_values' }).waitFor();
    await page.locator(`${tree} .react-flow__edge`).nth(1).waitFor();
    const detail = await s.api<{ blocks: { uuid: string; upstream_blocks: string[] }[] }>('GET', '/pipelines/tour_pipeline');
    expect(Object.fromEntries(detail.blocks.map((b) => [b.uuid, b.upstream_blocks]))).toEqual({
      load_people: [],
      fill_in_missing_values: ['load_people'],
      export_rows: ['fill_in_missing_values'],
    });

    // Run the loader: its printed line and its table with column types.
    await loader.getByTestId('run-block').click();
    const table = loader.getByTestId('output-table');
    await table.waitFor({ timeout: 60_000 });
    await expect.poll(() => table.textContent(), POLL).toContain('Grace');
    await expect.poll(() => loader.getByTestId('cell-output').textContent(), POLL).toContain('loading people');
    await expect.poll(() => table.locator('th').nth(2).textContent(), POLL).toMatch(/age.*Float64/);
    // Shift+Enter runs the transformer.
    await transformer.locator('.cm-content').click();
    await page.keyboard.press('Shift+Enter');
    await transformer.getByTestId('output-table').waitFor({ timeout: 60_000 });
    await page.locator(`${tree} [data-testid="dag-node-fill_in_missing_values"][data-status="completed"]`).waitFor();
    await loader.scrollIntoViewIfNeeded();
    await shot('03-editor');

    // Triggers: a daily schedule with its preview.
    await page.getByTestId('run-pipeline-link').click();
    await page.waitForURL(/\/pipelines\/tour_pipeline\/triggers$/);
    await page.getByRole('link', { name: 'New trigger' }).click();
    await page.getByLabel('Name').fill('nightly');
    await page.getByLabel('Frequency').selectOption('custom');
    await page.getByLabel('Cron expression').fill('30 2 * * 1-5');
    await page.getByTestId('schedule-preview').getByText('At 02:30, Monday through Friday').waitFor();
    await expect.poll(() => page.getByTestId('schedule-preview').locator('li').count(), POLL).toBe(5);
    await shot('04-trigger-form');
    await page.getByTestId('save-trigger').click();
    await page.waitForURL(/\/triggers\/\d+$/);
    await page.getByText('Trigger saved.').waitFor();

    // "Run pipeline now" from the trigger → the run page.
    await page.getByTestId('trigger-run-now').click();
    await page.getByTestId('run-now-confirm').click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 90_000 });
    for (const block of ['load_people', 'fill_in_missing_values', 'export_rows']) {
      const row = page.getByTestId(`block-run-${block}`);
      await row.locator('[data-status="completed"]').waitFor();
      await expect.poll(() => row.getByTestId('block-duration').textContent(), POLL).toMatch(/\d s$/);
    }
    await page.getByTestId('block-run-export_rows').click();
    await page.getByTestId('log').getByText('exporting 3 rows').waitFor();
    await page.locator('[data-testid="run-dag"] [data-testid="dag-node-export_rows"][data-status="completed"]').waitFor();
    await page.getByTestId('block-run-load_people').click();
    await page.getByTestId('log').getByText('loading people').waitFor();
    await shot('05-run');
    const runUrl = page.url();

    // The run's timeline: each block on one time axis, from queued to started to ended.
    const timeline = page.getByTestId('run-timeline');
    for (const block of ['load_people', 'fill_in_missing_values', 'export_rows']) {
      await timeline.getByRole('listitem').filter({ hasText: block }).locator('.timeline__bar--success').waitFor();
    }
    await timeline.scrollIntoViewIfNeeded();
    await shot('05b-run-timeline');
    await page.getByRole('button', { name: 'Output' }).click();
    await page.getByTestId('output-table').getByText('Helsinki').waitFor();

    // The runs list: the editor's runs and the triggered one.
    await nav('Pipeline runs');
    await page.getByTestId('runs-table').waitFor();
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count(), POLL).toBeGreaterThanOrEqual(3);
    await page.getByRole('cell', { name: 'nightly' }).first().waitFor();
    await shot('06-runs');

    // The overview, the landing page: runs per day by status, failure rate, the slowest and most failing pipelines,
    // the work going on now and the next scheduled runs (the nightly trigger).
    await nav('Overview');
    await page.waitForURL(`${ui.url}/`);
    const overview = page.getByTestId('overview');
    await overview.locator('canvas[aria-label="Runs per day by status"]').waitFor();
    await overview.getByRole('region', { name: 'Next scheduled runs' }).getByRole('link', { name: 'nightly' }).waitFor();
    await overview.getByRole('region', { name: 'Slowest pipelines' }).getByRole('link', { name: 'tour_pipeline' }).waitFor();
    await overview.getByRole('button', { name: '30 days' }).click();
    await page.waitForURL(/\?days=30$/);
    await shot('06b-overview');
    await overview.getByRole('region', { name: 'Next scheduled runs' }).scrollIntoViewIfNeeded();
    await shot('06b2-overview-now');
    // The same in the dark theme, then a pipeline's Stats tab and the run's timeline.
    await page.getByTestId('theme-toggle').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme), POLL).toBe('dark');
    await shot('06c-overview-dark');
    await overview.getByRole('region', { name: 'Slowest pipelines' }).getByRole('link', { name: 'tour_pipeline' }).click();
    await page.waitForURL(/\/pipelines\/tour_pipeline\/stats\?days=30$/);
    const stats = page.getByTestId('pipeline-stats');
    await stats.locator('canvas[aria-label="Duration of each run, coloured by status"]').waitFor();
    await stats.getByRole('region', { name: 'Block durations' }).getByRole('cell', { name: 'export_rows' }).waitFor();
    await shot('06d-pipeline-stats-dark');
    await page.goto(runUrl);
    await timeline.getByRole('listitem').filter({ hasText: 'export_rows' }).locator('.timeline__bar--success').waitFor();
    await timeline.scrollIntoViewIfNeeded();
    await shot('06e-run-timeline-dark');
    await page.getByTestId('theme-toggle').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme), POLL).toBe('light');

    // The terminal.
    await nav('Terminal');
    const status = page.getByTestId('terminal-status');
    await expect.poll(() => status.textContent(), POLL).toBe('Connected');
    // Type once the shell has shown its prompt, as a user would (a busy machine can take a while to start it).
    const screen = page.locator('[data-testid="terminal"] .xterm-rows');
    await expect.poll(async () => (await screen.textContent())?.trim() ?? '', POLL).not.toBe('');
    await page.locator('[data-testid="terminal"] .xterm-helper-textarea').focus();
    await page.keyboard.type('echo ok\n');
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="terminal"] .xterm-rows > div')].some((r) => r.textContent?.trim() === 'ok'),
      undefined,
      { timeout: 15_000 },
    );
    await shot('07-terminal');
    // The shell exits: the page says so and offers to reconnect.
    await page.keyboard.type('exit\n');
    await status.filter({ hasText: /^Disconnected$/ }).waitFor();
    await page.getByText(/Disconnected — /).waitFor();
    await page.getByTestId('terminal-reconnect').click();
    await status.filter({ hasText: /^Connected$/ }).waitFor();

    // Settings and what the server runs on.
    await nav('Settings');
    await page.getByTestId('server-info').getByText(s.wand.project).waitFor();
    await shot('08-settings');
  });
});
