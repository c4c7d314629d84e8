// Browser tests of dynamic blocks and add-ons on fixtures/mage_dynamic (pipeline dyn_basic): a run groups the dynamic
// child's children under its row with counts by status, listed by page (and in one row of the timeline, expandable),
// and an instance opens on a click; the
// editor shows the dynamic toggles and attaches, edits and detaches a conditional, whose block then shows
// `condition failed` in the run.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, setEditorText, type Session } from './harness';

let s: Session;
beforeEach(async () => {
  s = await openSession({ fixture: 'mage_dynamic' });
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

describe('dynamic blocks', () => {
  it("a run groups a dynamic child's children under it, by status and by page", async () => {
    const { page, ui } = s;
    const run = await s.api<{ id: number }>('POST', '/pipelines/dyn_basic/runs', {
      variables: { out_dir: join(s.wand.project, 'out') },
    });
    await page.goto(`${ui.url}/runs/${String(run.id)}`);
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });

    // The pipeline's own block runs are the table's rows; square's three children are listed under it.
    const rows = page.getByTestId('block-runs-table').locator(':scope > tbody > tr[data-testid^="block-run-"]');
    await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid'))), POLL).toEqual([
      'block-run-dyn_source',
      'block-run-square',
      'block-run-collect',
    ]);
    await expect.poll(() => page.getByTestId('children-toggle-square').textContent(), POLL).toContain('3 children');
    const children = page.getByTestId('dynamic-children-square');
    await expect.poll(() => children.getByTestId('children-completed').textContent(), POLL).toBe('completed 3');
    const instances = page.getByTestId('instances-square').locator('tbody tr');
    await expect.poll(() => instances.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid'))), POLL).toEqual([
      'block-run-square:a',
      'block-run-square:b',
      'block-run-square:c',
    ]);
    await expect.poll(() => page.getByTestId('block-run-square:b').locator('td').nth(1).textContent(), POLL).toBe('1');
    await s.shot('40-run-dynamic-children');

    // The timeline groups the children in one row with their count; expanded, one row each.
    const timeline = page.getByTestId('run-timeline');
    const group = timeline.getByRole('listitem').filter({ hasText: '3 instances' });
    await expect.poll(() => group.textContent(), POLL).toContain('3 completed');
    await group.getByRole('button', { expanded: false }).click();
    await expect.poll(() => timeline.getByRole('listitem').evaluateAll((rows) => rows.length), POLL).toBe(6);
    await timeline.getByRole('listitem').filter({ hasText: 'square:c' }).locator('.timeline__bar--success').waitFor();
    await timeline.scrollIntoViewIfNeeded();
    await s.shot('40b-run-timeline-dynamic');

    // A child opens like any block run: its name, status and log.
    await page.getByTestId('block-run-square:b').click();
    await expect.poll(() => page.getByTestId('block-panel').locator('h2').textContent(), POLL).toBe('square:b');
    await page.getByTestId('block-panel').locator('[data-status="completed"]').first().waitFor();
    await page.getByRole('button', { name: 'Output' }).click();
    await expect.poll(() => page.getByTestId('block-panel').textContent(), POLL).toContain('4');
    await s.shot('41-run-dynamic-child-selected');

    // Folding hides the children.
    await page.getByTestId('children-toggle-square').click();
    await expect.poll(() => children.count(), POLL).toBe(0);
  });

  it('the editor toggles dynamic settings and attaches a conditional that skips a block', async () => {
    const { page, ui } = s;
    await page.goto(`${ui.url}/pipelines/dyn_basic/edit`);
    const cell = (uuid: string) => page.getByTestId(`cell-${uuid}`);
    // Opens a cell's add-ons; a click that a re-render of the cell swallowed (CI saw one) is made again.
    const openAddons = (uuid: string) =>
      expect
        .poll(async () => {
          const toggle = cell(uuid).getByTestId('addons-toggle');
          if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
          return toggle.getAttribute('aria-expanded');
        }, POLL)
        .toBe('true');
    await openAddons('dyn_source');
    await expect.poll(() => cell('dyn_source').getByTestId('toggle-dynamic').isChecked(), POLL).toBe(true);
    await openAddons('square');
    await expect.poll(() => cell('square').getByTestId('toggle-reduce-output').isChecked(), POLL).toBe(true);
    await expect.poll(() => cell('square').getByTestId('toggle-dynamic').isChecked(), POLL).toBe(false);

    // Turn reduce_output off and on again: metadata.yaml follows.
    const squareConfig = async () =>
      (await s.api<{ blocks: { uuid: string; configuration: Record<string, unknown> }[] }>('GET', '/pipelines/dyn_basic')).blocks.find((b) => b.uuid === 'square')!
        .configuration;
    await cell('square').getByTestId('toggle-reduce-output').click();
    await expect.poll(async () => (await squareConfig()).reduce_output, POLL).toBeUndefined();
    await cell('square').getByTestId('toggle-reduce-output').click();
    await expect.poll(async () => (await squareConfig()).reduce_output, POLL).toBe(true);

    // A new conditional on collect, edited to never hold.
    const collect = cell('collect');
    await openAddons('collect');
    await collect.getByTestId('add-conditional').click();
    await collect.getByTestId('new-conditional-name').fill('skip collect');
    await collect.getByRole('button', { name: 'Create' }).click();
    await collect.getByTestId('addon-skip_collect').waitFor();
    await collect.locator('.cell__header').getByText('if skip_collect').waitFor();
    await collect.getByTestId('edit-skip_collect').click();
    await expect.poll(() => collect.getByTestId('code-skip_collect').textContent(), POLL).toContain('@condition');
    await setEditorText(
      page,
      '[data-testid="code-skip_collect"]',
      "if 'condition' not in globals():\n    from mage_ai.data_preparation.decorators import condition\n\n\n@condition\ndef never(*args, **kwargs) -> bool:\n    return False\n",
    );
    await expect.poll(() => collect.getByTestId('addon-save-state').textContent(), { ...POLL, timeout: 20_000 }).toBe('Saved');
    await s.shot('42-editor-addons');

    const run = await s.api<{ id: number }>('POST', '/pipelines/dyn_basic/runs', { variables: { out_dir: join(s.wand.project, 'out') } });
    await page.goto(`${ui.url}/runs/${String(run.id)}`);
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    const skipped = page.getByTestId('block-run-collect').locator('[data-status="condition_failed"]');
    await skipped.waitFor();
    expect(await skipped.getAttribute('class')).toContain('badge--skipped');
    await page.locator('[data-testid="run-dag"] [data-testid="dag-node-collect"][data-status="condition_failed"]').waitFor();
    await s.shot('43-run-condition-failed');

    // Detached from its only block, it leaves the pipeline; its file stays.
    await page.goto(`${ui.url}/pipelines/dyn_basic/edit`);
    await cell('collect').getByTestId('addons-toggle').click();
    await cell('collect').getByTestId('detach-skip_collect').click();
    await expect.poll(() => cell('collect').getByTestId('addon-skip_collect').count(), POLL).toBe(0);
    const yaml = await s.api<{ content: string }>('GET', '/files/content?path=pipelines/dyn_basic/metadata.yaml');
    expect(yaml.content).not.toContain('skip_collect');
    const code = await s.api<{ content: string }>('GET', '/files/content?path=conditionals/skip_collect.py');
    expect(code.content).toContain('def never');
  });
});
