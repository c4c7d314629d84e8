// Browser tests of single features, each on its own fresh server: API triggers and the dark theme, trigger form
// validation, a save conflict in the editor, an invalid pipeline in the list, file rename and delete, a failing run
// followed live and retried, and paging through many runs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, type Session } from './harness';

let s: Session;
beforeEach(async () => {
  s = await openSession();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

const nav = (name: string) => s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

describe('features', () => {
  it('API trigger: URL, curl command that works, dark theme remembered', async () => {
    const { page, ui } = s;
    await page.goto(`${ui.url}/triggers/new`);
    // Validation before anything is sent.
    await page.getByLabel('Frequency').selectOption('custom');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByTestId('save-trigger').click();
    await page.getByText('A name is required.').waitFor();
    await page.getByText('Choose a pipeline.').waitFor();
    await page.locator('.field__error', { hasText: /61/ }).first().waitFor();
    await s.shot('10-trigger-validation');

    await page.getByLabel('Name').fill('webhook');
    await page.getByLabel('Pipeline', { exact: true }).selectOption('example_pipeline');
    await page.getByRole('button', { name: 'API', exact: true }).click();
    await page.getByTestId('save-trigger').click();
    await page.waitForURL(/\/triggers\/\d+$/);
    const url = (await page.getByTestId('api-url').textContent()) ?? '';
    expect(url.startsWith(`${ui.url}/api/pipeline_schedules/`)).toBe(true);
    await expect.poll(() => page.getByTestId('api-curl').textContent(), POLL).toBe(
      `curl -X POST '${url}' -H 'Content-Type: application/json' -d '{"pipeline_run":{"variables":{}}}'`,
    );

    // The command's request starts a run.
    const res = await fetch(url.replace(ui.url, s.wand.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ pipeline_run: { variables: {} } }),
    });
    expect(res.ok).toBe(true);

    // Dark theme, remembered across a reload.
    await page.getByTestId('theme-toggle').click();
    await page.reload();
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await page.getByTestId('api-endpoint').waitFor();
    await s.shot('11-api-trigger-dark');

    await nav('Pipeline runs');
    await page.getByRole('cell', { name: 'webhook' }).first().waitFor();
    await s.shot('12-runs-dark');
    await nav('Triggers');
    await page.getByRole('cell', { name: /Called through the API/ }).waitFor();
    await page.goto(`${ui.url}/pipelines/example_pipeline/edit`);
    await page.getByTestId('cell-load_example_data').getByTestId('run-block').click();
    await page.getByTestId('cell-load_example_data').getByTestId('output-table').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="editor-tree"] [data-testid="dag-node-load_example_data"][data-status="completed"]').waitFor();
    await s.shot('18-editor-dark');
  });

  it('editor: a file changed on disk is a conflict, resolved with Reload', async () => {
    const { page, ui } = s;
    await page.goto(`${ui.url}/pipelines/example_pipeline/edit`);
    const cell = page.getByTestId('cell-load_example_data');
    await cell.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();

    const file = await s.api<{ content: string; version: string }>('GET', '/files/content?path=data_loaders/load_example_data.py');
    await s.api('PUT', '/files/content', {
      path: 'data_loaders/load_example_data.py',
      content: file.content.replace('Ada', 'Ada Lovelace'),
      version: file.version,
    });

    await cell.locator('.cm-content').click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.insertText('\n# my edit\n');
    await cell.getByTestId('conflict').waitFor();
    await expect.poll(() => cell.getByTestId('save-state').textContent(), POLL).toBe('Changed on disk');
    await s.shot('13-editor-conflict');
    await cell.getByRole('button', { name: 'Reload' }).click();
    await cell.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await cell.locator('.cm-content', { hasText: 'Ada Lovelace' }).waitFor();
    expect(await cell.getByTestId('conflict').count()).toBe(0);

    // Moving a block down changes the order on the server.
    await cell.getByRole('button', { name: 'Actions of load_example_data' }).click();
    await page.getByRole('menuitem', { name: 'Move down' }).click();
    await page.locator('.cell').first().locator('.cell__name', { hasText: 'fill_in_missing_values' }).waitFor();
    const detail = await s.api<{ blocks: { uuid: string }[] }>('GET', '/pipelines/example_pipeline');
    expect(detail.blocks.map((b) => b.uuid)).toEqual(['fill_in_missing_values', 'load_example_data']);

    // Removing a link by selecting it in the tree and pressing Delete.
    await page.locator('[data-testid="editor-tree"] .react-flow__edge').first().click();
    await page.keyboard.press('Delete');
    await expect
      .poll(async () => {
        const after = await s.api<{ blocks: { uuid: string; upstream_blocks: string[] }[] }>('GET', '/pipelines/example_pipeline');
        return after.blocks.find((b) => b.uuid === 'fill_in_missing_values')?.upstream_blocks;
      })
      .toEqual([]);
    await expect.poll(() => page.getByTestId('cell-fill_in_missing_values').locator('.cell__parents').textContent()).toBe('');
    await expect.poll(() => page.locator('[data-testid="editor-tree"] .react-flow__edge').count()).toBe(0);
  });

  it('pipelines and files: an invalid pipeline shows its error; rename and delete a file', async () => {
    const { page, ui } = s;
    await s.api('POST', '/files', { path: 'pipelines/broken/metadata.yaml', content: 'blocks: [this is: not valid' });
    await page.goto(`${ui.url}/pipelines`);
    await page.getByTestId('pipeline-row-broken').locator('.cell-error').waitFor();
    await page.getByLabel('Search pipelines').fill('exam');
    await expect.poll(() => page.locator('[data-testid^="pipeline-row-"]').count(), POLL).toBe(1);
    await page.getByLabel('Search pipelines').fill('');
    await s.shot('14-pipelines-invalid');

    await page.goto(`${ui.url}/files?path=io_config.yaml`);
    await page.getByTestId('open-file').filter({ hasText: 'io_config.yaml' }).waitFor();
    await page.locator('.files__code .cm-content').waitFor();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New path').fill('io_config_copy.yaml');
    await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
    await page.getByTestId('open-file').filter({ hasText: 'io_config_copy.yaml' }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No file open').waitFor();
    const files = await s.api<{ path: string }[]>('GET', '/files');
    expect(files.some((f) => f.path.startsWith('io_config'))).toBe(false);
  });

  it('a failing run: live log, stderr, error, retry after a fix', async () => {
    const { page, ui } = s;
    const flaky = (fail: boolean) => `import sys
import time

if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer


@transformer
def flaky(df, *args, **kwargs):
    for i in range(4):
        print(f'step {i}', flush=True)
        time.sleep(0.6)
    print('about to decide', file=sys.stderr, flush=True)
    ${fail ? "raise ValueError('flaky failed on purpose')" : 'return df'}
`;
    await s.api('POST', '/files', { path: 'transformers/flaky.py', content: flaky(true) });
    await s.api('POST', '/pipelines', { name: 'live' });
    await s.api('POST', '/pipelines/live/blocks', { name: 'load_example_data', type: 'data_loader', existing_file: 'data_loaders/load_example_data.py' });
    await s.api('POST', '/pipelines/live/blocks', { name: 'flaky', type: 'transformer', existing_file: 'transformers/flaky.py', upstream_blocks: ['load_example_data'] });

    await page.goto(`${ui.url}/pipelines/live/triggers`);
    await page.getByTestId('run-pipeline-now').click();
    await page.getByRole('button', { name: '+ Add variable' }).click();
    await page.getByLabel('Variable 1 name').fill('who');
    await page.getByLabel('Variable 1 value').fill('tester');
    await page.getByTestId('run-now-confirm').click();
    await page.waitForURL(/\/runs\/\d+$/);

    // Follow the block while it runs: lines arrive one by one over the event stream.
    await page.getByTestId('block-run-flaky').locator('[data-status="running"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('block-run-flaky').click();
    await page.getByText('streaming live').waitFor();
    await page.getByTestId('log').getByText('step 1').waitFor();
    await s.shot('15-run-live');
    await page.getByTestId('log').getByText('about to decide').waitFor();
    await page.locator('h1 [data-status="failed"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-testid="log"] [data-stream="stderr"]').first().textContent(), POLL).toContain('about to decide');
    await page.getByTestId('block-panel').getByText(/flaky failed on purpose/).first().waitFor();
    await page.locator('[data-testid="run-dag"] [data-testid="dag-node-flaky"][data-status="failed"]').waitFor();
    await s.shot('16-run-failed');

    // Fix the block, retry the failed blocks: the same run completes.
    const file = await s.api<{ version: string }>('GET', '/files/content?path=transformers/flaky.py');
    await s.api('PUT', '/files/content', { path: 'transformers/flaky.py', content: flaky(false), version: file.version });
    await page.getByRole('button', { name: 'Retry failed blocks' }).click();
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('block-run-flaky').locator('[data-status="completed"]').waitFor();
    await expect.poll(() => page.getByTestId('block-run-flaky').locator('td').nth(4).textContent(), POLL).toBe('2');
  });

  it('many runs: keyset pages with Newer and Older', async () => {
    const { page, ui } = s;
    for (let i = 0; i < 60; i++) await s.api('POST', '/pipelines/example_pipeline/runs', {});
    await page.goto(`${ui.url}/runs`);
    await page.getByTestId('run-row-60').waitFor();
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count(), POLL).toBe(50);
    await page.getByRole('button', { name: /Older/ }).click();
    await page.getByTestId('run-row-10').waitFor();
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count(), POLL).toBe(10);
    await expect.poll(() => page.getByTestId('page-number').textContent(), POLL).toBe('Page 2');
    await expect(page.getByRole('button', { name: /Older/ }).isDisabled()).resolves.toBe(true);
    await s.shot('17-runs-page-2');
    await page.getByRole('button', { name: /Newer/ }).click();
    await page.getByTestId('run-row-60').waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No run matches these filters').waitFor();
  });
});
