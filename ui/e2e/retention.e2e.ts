// Retention in the browser: a run whose outputs `wand clean-cached-variables` pruned says so on its run page
// (when, and by which period) instead of an error; Settings shows the disk used and the periods; a finished run is
// deleted from its page and a selection from the runs table, each after a confirm.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, WAND_BIN, type Session } from './harness';

const run = promisify(execFile);

let s: Session;
beforeEach(async () => {
  s = await openSession();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

/** Starts a run of the example pipeline and waits until it completed. */
async function completedRun(): Promise<number> {
  const { id } = await s.api<{ id: number }>('POST', '/pipelines/example_pipeline/runs', {});
  await expect
    .poll(async () => (await s.api<{ status: string }>('GET', `/runs/${String(id)}`)).status, { timeout: 90_000, interval: 200 })
    .toBe('completed');
  return id;
}

describe('retention', () => {
  it('a pruned output says when and by which period, and runs are deleted after a confirm', async () => {
    const { page, ui } = s;
    const old = await completedRun();
    const newest = await completedRun();
    const { stdout } = await run(WAND_BIN, [
      'clean-cached-variables',
      s.wand.project,
      '--data-dir',
      join(dirname(s.wand.project), 'data'),
      '--retention-period',
      '0h',
    ]);
    // The newest completed run keeps its outputs (global data products and the editor read them).
    expect(stdout).toContain('Removed the outputs of 1 run(s)');

    await page.goto(`${ui.url}/runs/${String(old)}`);
    await page.locator('h1 [data-status="completed"]').waitFor();
    await page.getByTestId('block-panel').getByRole('button', { name: 'Output' }).click();
    const notice = page.getByTestId('pruned-outputs');
    await notice.waitFor();
    await expect
      .poll(() => notice.textContent(), POLL)
      .toMatch(/^The block outputs of this run were pruned on .+ by the retention period \(0h, variables_retention_period\)\.$/);
    expect(await page.getByText('Could not load the output').count()).toBe(0);
    // A retry would find no inputs: it is offered no more.
    expect(await page.getByRole('button', { name: /^Retry from/ }).isDisabled()).toBe(true);
    await s.shot('60-run-output-pruned');

    await page.goto(`${ui.url}/settings`);
    const card = page.getByTestId('disk-usage-card');
    await card.getByText('90d (variables_retention_period)').waitFor();
    await card.getByRole('cell', { name: 'example_pipeline' }).waitFor();
    await card.scrollIntoViewIfNeeded();
    await s.shot('61-settings-disk-usage');

    // Deleted from its page, after a confirm.
    await page.goto(`${ui.url}/runs/${String(newest)}`);
    await page.getByRole('button', { name: 'Delete run' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/pipelines\/example_pipeline\/runs$/);
    await page.getByTestId(`run-row-${String(old)}`).waitFor();
    expect(await page.getByTestId(`run-row-${String(newest)}`).count()).toBe(0);

    // And the rest from the runs table.
    await page.getByLabel(`Select run #${String(old)}`).check();
    await page.getByRole('button', { name: 'Delete 1 run' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No runs yet').waitFor();
    await expect.poll(async () => (await s.api<{ runs: unknown[] }>('GET', '/runs')).runs.length, POLL).toBe(0);
  });
});
