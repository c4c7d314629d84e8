// Browser test of a dbt model block in the editor (fixtures/mage_dbt, DuckDB): the add dialog lists the project's
// dbt models; the model's SQL is highlighted as Jinja; before any compile the lineage says how to get one; "Compile &
// preview" shows dbt's rows and the compiled SQL, and the lineage then lists the model's source and its tests.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, type Session } from './harness';

const MODEL = 'dbt/shop/models/customer_totals';
const database = join(tmpdir(), `wand-e2e-dbt-${randomUUID()}.duckdb`);
let s: Session;
beforeEach(async () => {
  s = await openSession({ fixture: 'mage_dbt', env: { SHOP_DUCKDB: database } });
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
  await rm(database, { force: true });
});

describe('dbt blocks', () => {
  it('lists the models to add, compiles and previews a model, and shows its lineage from the manifest', async () => {
    const { page, ui } = s;
    // The loader's output, which the model reads as a source, comes from a run of the pipeline.
    const run = await s.api<{ id: number }>('POST', '/pipelines/orders/runs', { variables: { out_dir: join(s.wand.project, '..') } });
    await expect
      .poll(async () => (await s.api<{ status: string }>('GET', `/runs/${String(run.id)}`)).status, { timeout: 180_000, interval: 500 })
      .toBe('completed');

    await page.goto(`${ui.url}/pipelines/orders/edit`);
    const cell = page.getByTestId(`cell-${MODEL}`);
    await cell.waitFor();
    // Jinja tags are told apart from the SQL around them.
    await expect.poll(() => cell.locator('.cm-content').textContent(), POLL).toContain("source('mage_shop', 'orders_load_orders')");

    // Add block → dbt model lists the project's models; this one is in the pipeline already.
    await page.getByTestId('add-block').getByRole('button', { name: 'dbt model' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('radiogroup', { name: 'dbt model' }).textContent(), POLL).toContain('customer_totals');
    await dialog.getByText('customer_totals').click();
    await expect.poll(() => dialog.textContent(), POLL).toContain('already in this pipeline');
    await expect(page.getByTestId('add-dbt-model').isDisabled()).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await cell.getByTestId('dbt-lineage-toggle').click();
    await expect.poll(() => cell.getByTestId('dbt-lineage').textContent(), POLL).toContain('press Preview on the model');

    await cell.getByTestId('dbt-preview').click();
    const output = cell.getByTestId('cell-output');
    await output.locator('[data-status="completed"]').waitFor({ timeout: 180_000 });
    await expect.poll(() => output.textContent(), POLL).toContain('dbt compile');
    await expect.poll(() => output.textContent(), POLL).toContain('ada');
    await expect.poll(() => cell.getByTestId('dbt-parents').textContent(), POLL).toContain('orders_load_orders');
    await expect.poll(() => cell.getByTestId('dbt-children').locator('li').count(), POLL).toBe(2);
    await cell.scrollIntoViewIfNeeded();
    await s.shot('50-dbt-compile-preview-lineage');
  });
});
