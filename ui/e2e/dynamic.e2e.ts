// Browser test of a run with a dynamic block (fixtures/mage_dynamic, pipeline dyn_basic): the dynamic child's
// children are grouped under its row with counts by status, listed by page, and an instance's log opens on a click.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, type Session } from './harness';

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
});
