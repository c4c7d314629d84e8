// Browser test of the global data products page on fixtures/mage_gdp: each product with its pipeline, blocks and
// freshness; a product made by a consumer's run turns fresh.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, type Session } from './harness';

let s: Session;
beforeEach(async () => {
  s = await openSession({ fixture: 'mage_gdp' });
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

describe('global data products', () => {
  it('lists the products with their freshness; a consumer run makes one fresh', async () => {
    const { page, ui } = s;
    await page.goto(`${ui.url}/pipelines`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data products' }).click();
    const numbers = page.getByTestId('product-numbers');
    await numbers.waitFor();
    await expect.poll(() => numbers.getByTestId('freshness').textContent(), POLL).toBe('outdated');
    expect(await numbers.textContent()).toContain('never made');
    expect(await numbers.getByTestId('fresh-for').textContent()).toBe('1 hour');
    expect(await page.getByTestId('product-fast_numbers').getByTestId('fresh-for').textContent()).toBe('1 second');
    expect(await page.getByTestId('product-fast_numbers').textContent()).toContain('stamp · last 2 runs');
    expect(await page.getByTestId('product-broken').textContent()).toContain('broken_pipeline');
    expect(await page.getByTestId('product-problems').count()).toBe(0);

    // The consumer records what it got in out_dir, which must exist.
    await mkdir(join(s.wand.project, 'out'));
    const run = await s.api<{ id: number }>('POST', '/pipelines/use_numbers/runs', { variables: { out_dir: join(s.wand.project, 'out') } });
    await expect
      .poll(async () => (await s.api<{ status: string }>('GET', `/runs/${String(run.id)}`)).status, { ...POLL, timeout: 60_000 })
      .toBe('completed');
    await page.reload();
    await expect.poll(() => numbers.getByTestId('freshness').textContent(), POLL).toBe('fresh');
    await expect.poll(() => numbers.getByTestId('freshness-reason').textContent(), POLL).toMatch(/^until /);
    await numbers.getByRole('link', { name: /^#\d+/ }).waitFor();
    await s.shot('50-data-products');
  });
});
