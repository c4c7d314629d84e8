// Browser test of the audit trail: a pipeline's Activity tab and a run's Activity card list who did what and when,
// in the light and the dark theme.
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

describe('activity', () => {
  it("a pipeline's and a run's activity say who did what", async () => {
    const { page, ui, api } = s;
    const trigger = await api<{ id: number }>('POST', '/pipelines/example_pipeline/triggers', {
      name: 'nightly',
      schedule_interval: '@daily',
    });
    const run = await api<{ id: number }>('POST', `/triggers/${String(trigger.id)}/runs`, { variables: {} });
    await api('PUT', '/pipelines/example_pipeline/blocks/load_example_data', { position: 0 });

    await page.goto(`${ui.url}/pipelines/example_pipeline/runs`);
    await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('link', { name: 'Activity' }).click();
    await page.waitForURL(/\/pipelines\/example_pipeline\/activity$/);
    const rows = page.getByTestId('activity-row');
    await expect.poll(() => rows.count(), POLL).toBe(3);
    await expect.poll(() => rows.nth(0).textContent(), POLL).toContain('changed the position of block load_example_data');
    expect(await rows.nth(1).textContent()).toContain(`started run #${String(run.id)} with trigger “nightly”`);
    expect(await rows.nth(2).textContent()).toContain('created trigger “nightly”');
    expect(await rows.nth(2).textContent()).toContain('Anyone (no sign-in yet)');
    await s.shot('40-pipeline-activity');

    await rows.nth(1).getByRole('link', { name: `#${String(run.id)}` }).click();
    await page.waitForURL(new RegExp(`/runs/${String(run.id)}$`));
    const card = page.getByRole('region', { name: 'Activity' });
    await card.scrollIntoViewIfNeeded();
    await expect.poll(() => card.getByTestId('activity-row').count(), POLL).toBe(1);
    expect(await card.getByTestId('activity-row').textContent()).toContain(`started run #${String(run.id)}`);
    await s.shot('41-run-activity');

    await page.getByTestId('theme-toggle').click();
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await card.scrollIntoViewIfNeeded();
    await s.shot('42-run-activity-dark');
    await page.goto(`${ui.url}/pipelines/example_pipeline/activity`);
    await expect.poll(() => page.getByTestId('activity-row').count(), POLL).toBe(3);
    await s.shot('43-pipeline-activity-dark');
  });
});
