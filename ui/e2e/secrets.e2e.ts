// Settings → Secrets in the browser: a secret added with a write-only value is read by a block through
// get_secret_value, and the run's log shows it as ******; the value never reaches the page.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, type Session } from './harness';

const VALUE = 'tok-browser-5f1c2e';

const BLOCK = `from mage_ai.data_preparation.shared.secrets import get_secret_value

if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom


@custom
def show_token(*args, **kwargs):
    print(f"the token is {get_secret_value('api_token')}")
`;

let s: Session;
beforeEach(async () => {
  s = await openSession();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

describe('secrets', () => {
  it('a secret set in Settings is read by a block and hidden in its log', async () => {
    const { page, ui } = s;
    await page.goto(`${ui.url}/settings`);
    const card = page.getByTestId('secrets-card');
    await card.getByText('No secrets yet').waitFor();
    await card.getByLabel('Name').fill('api_token');
    await card.getByLabel('Value').fill(VALUE);
    await card.getByRole('button', { name: 'Add secret' }).click();
    await card.getByRole('cell', { name: 'api_token', exact: true }).waitFor();
    expect(await card.getByLabel('Value').inputValue()).toBe('');
    expect(await page.content()).not.toContain(VALUE);
    await s.shot('30-settings-secrets');

    await s.api('POST', '/files', { path: 'custom/show_token.py', content: BLOCK });
    await s.api('POST', '/pipelines', { name: 'uses_secret' });
    await s.api('POST', '/pipelines/uses_secret/blocks', { name: 'show_token', type: 'custom', existing_file: 'custom/show_token.py' });
    const run = await s.api<{ id: number }>('POST', '/pipelines/uses_secret/runs', {});
    await page.goto(`${ui.url}/runs/${String(run.id)}`);
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('block-run-show_token').click();
    await page.getByTestId('log').getByText('the token is ******').waitFor();
    expect(await page.content()).not.toContain(VALUE);
    await s.shot('31-secret-hidden-in-log');
  });
});
