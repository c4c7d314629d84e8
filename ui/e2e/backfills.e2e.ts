// Browser test of backfills: the Backfills tab previews the dates of a range, starts the backfill, and shows its
// progress until every run completed, with links to its runs.
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

describe('backfills', () => {
  it('previews the dates, starts the backfill and shows its progress', async () => {
    const { page, ui } = s;
    await page.goto(`${ui.url}/pipelines/example_pipeline/runs`);
    await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('link', { name: 'Backfills' }).click();
    await page.waitForURL(/\/pipelines\/example_pipeline\/backfills$/);
    await page.getByLabel('Name').fill('first days');
    await page.getByLabel('Start (UTC)').fill('2024-01-01T00:00');
    await page.getByLabel('End (UTC, included)').fill('2024-01-03T00:00');
    await expect.poll(() => page.getByTestId('backfill-preview-count').textContent(), POLL).toBe('3 runs');
    expect(await page.getByTestId('backfill-preview').textContent()).toContain('2024-01-02T00:00:00+00:00');
    await s.shot('50-backfill-preview');

    await page.getByTestId('start-backfill').click();
    const row = page.locator('[data-testid^="backfill-row-"]').first();
    await expect.poll(() => row.textContent(), POLL).toContain('first days');
    await expect.poll(() => row.getByTestId('backfill-progress').textContent(), { ...POLL, timeout: 60_000 }).toContain('3 of 3 done · 3 completed');
    expect(await row.locator('[data-status]').first().getAttribute('data-status')).toBe('completed');
    await row.getByRole('button', { name: 'first days' }).click();
    await expect.poll(() => row.getByTestId('backfill-runs').getByRole('link').count(), POLL).toBe(3);
    await s.shot('51-backfill-done');
  });
});
