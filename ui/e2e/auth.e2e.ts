// Browser test of users and sign-in on a server started with an owner (WAND_OWNER_EMAIL / WAND_OWNER_PASSWORD): every
// page asks to sign in and returns to the page wanted; the user menu, Settings → Users and API tokens; after
// sign-out pages are refused again (and so is the old session at the API); a viewer can neither edit nor run (the
// UI says so and the server refuses) while an editor can.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSession, POLL, setEditorText, type Session } from './harness';

const OWNER = 'owner@example.com';
const PASSWORD = 'a long enough password';

/** Calls the API as the holder of `auth` (a `Cookie` or an `Authorization` header), returning status and body. */
async function call(
  s: Session,
  auth: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${s.wand.url}/api/v1${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Signs in at the API and returns the session's `Cookie` header. */
async function apiSession(s: Session, email: string): Promise<Record<string, string>> {
  const res = await fetch(`${s.wand.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie') ?? '';
  return { Cookie: cookie.split(';')[0] ?? '' };
}

/** Calls the API from the page, with the browser's own session cookie and Origin. */
function fromPage(page: Page, method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(`/api/v1${p}`, { method: m, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
      return { status: res.status, text: await res.text() };
    },
    [method, path, body] as const,
  );
}

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByTestId('sign-in').click();
}

async function signOut(page: Page) {
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in\?next=/);
}

describe('users and sign-in', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession({ env: { WAND_OWNER_EMAIL: OWNER, WAND_OWNER_PASSWORD: PASSWORD } });
    const owner = await apiSession(s, OWNER);
    for (const role of ['viewer', 'editor']) {
      const made = await call(s, owner, 'POST', '/users', { email: `${role}@example.com`, password: PASSWORD, role });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
    }
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('signs in, returns to the page wanted, and is refused pages after sign-out', async () => {
    const { page, ui, shot, context } = s;
    await page.goto(`${ui.url}/runs?status=failed`);
    await page.waitForURL(/\/sign-in\?next=%2Fruns%3Fstatus%3Dfailed$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await call(s, {}, 'GET', '/runs')).status).toBe(401);
    await shot('60-sign-in');

    await signIn(page, OWNER, 'not the password');
    await expect.poll(() => page.getByTestId('sign-in-error').textContent(), POLL).toBe('Wrong email or password.');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await shot('61-sign-in-error-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();

    await signIn(page, OWNER);
    await page.waitForURL(/\/runs\?status=failed$/);
    const menu = page.getByTestId('user-menu');
    await expect.poll(() => menu.textContent(), POLL).toContain(OWNER);
    expect(await page.getByTestId('user-role').textContent()).toBe('owner');
    await menu.click();
    await page.getByRole('menuitem', { name: 'Change password…' }).waitFor();
    await shot('62-user-menu');

    // Settings → API tokens, from the user menu: a token shown once, then working at the API.
    await page.getByRole('menuitem', { name: /API tokens/ }).click();
    await page.waitForURL(/\/settings#tokens$/);
    await page.getByTestId('users-table').getByText('viewer@example.com').waitFor();
    await page.getByTestId('new-token').click();
    await page.getByTestId('tokens-card').getByLabel('Name').fill('ci');
    await page.getByTestId('create-token').click();
    const value = (await page.getByTestId('new-token-value').textContent())?.trim() ?? '';
    expect(value).toMatch(/^wand_t_[0-9a-f]{64}$/);
    await shot('63-token-made');
    await page.getByTestId('token-done').click();
    await page.getByTestId('token-row-ci').waitFor();
    const me = await call(s, { Authorization: `Bearer ${value}` }, 'GET', '/me');
    expect(me.body).toMatchObject({ user: { email: OWNER }, via: 'token' });
    await page.reload();
    await expect.poll(() => page.getByTestId('token-row-ci').textContent(), POLL).toMatch(/ago|now/);
    await page.getByTestId('users-card').scrollIntoViewIfNeeded();
    await shot('64-settings-users');
    await page.getByTestId('theme-toggle').click();
    await shot('65-settings-users-dark');
    await page.getByTestId('tokens-card').scrollIntoViewIfNeeded();
    await shot('66-settings-tokens-dark');
    await page.getByTestId('user-menu').click();
    await shot('67-user-menu-dark');
    await page.keyboard.press('Escape');
    await page.getByTestId('theme-toggle').click();

    // Signing out ends the session on the server too; every page asks to sign in again.
    const session = (await context.cookies()).find((c) => c.name === 'wand_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    await signOut(page);
    await page.goto(`${ui.url}/pipelines`);
    await page.waitForURL(/\/sign-in\?next=%2Fpipelines$/);
    await page.goto(`${ui.url}/settings`);
    await page.waitForURL(/\/sign-in\?next=%2Fsettings$/);
    expect((await call(s, { Cookie: `wand_session=${session?.value ?? ''}` }, 'GET', '/pipelines')).status).toBe(401);
  });

  it('shows a viewer cannot edit or run while an editor can', async () => {
    const { page, ui, shot } = s;
    const editor = `${ui.url}/pipelines/example_pipeline/edit`;
    const cell = page.getByTestId('cell-load_example_data');

    // A viewer: read only, and the server refuses what the page does not offer.
    await page.goto(editor);
    await page.waitForURL(/\/sign-in\?next=/);
    await signIn(page, 'viewer@example.com');
    await page.waitForURL(/\/pipelines\/example_pipeline\/edit$/);
    await expect.poll(() => page.getByTestId('role-notice').textContent(), POLL).toContain(
      'Editing or running this pipeline needs the editor role or higher; you are a viewer.',
    );
    await cell.locator('.cm-content').waitFor();
    expect(await cell.getByTestId('run-block').isDisabled()).toBe(true);
    expect(await cell.getByTestId('run-block').getAttribute('title')).toContain('needs the editor role');
    expect(await cell.locator('.cm-content').getAttribute('contenteditable')).toBe('false');
    expect(await page.getByTestId('add-block').count()).toBe(0);
    await shot('68-viewer-editor');
    const run = await fromPage(page, 'POST', '/pipelines/example_pipeline/runs', {});
    expect(run.status).toBe(403);
    expect(run.text).toContain('needs the editor role');
    const execute = await fromPage(page, 'POST', '/pipelines/example_pipeline/blocks/load_example_data/execute', {});
    expect(execute.status).toBe(403);
    const write = await fromPage(page, 'PUT', '/pipelines/example_pipeline/blocks/load_example_data/code', { content: 'x = 1\n' });
    expect(write.status).toBe(403);
    await page.goto(`${ui.url}/pipelines/example_pipeline/triggers`);
    await page.getByTestId('run-pipeline-now').waitFor();
    expect(await page.getByTestId('run-pipeline-now').isDisabled()).toBe(true);
    await page.goto(`${ui.url}/terminal`);
    await expect.poll(() => page.getByTestId('terminal-denied').textContent(), POLL).toContain('needs the admin role');
    await signOut(page);

    // An editor edits and runs.
    await page.goto(editor);
    await page.waitForURL(/\/sign-in\?next=/);
    await signIn(page, 'editor@example.com');
    await page.waitForURL(/\/pipelines\/example_pipeline\/edit$/);
    await cell.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    expect(await page.getByTestId('role-notice').count()).toBe(0);
    expect(await page.getByTestId('add-block').count()).toBe(1);
    const code = (await call(s, await apiSession(s, 'editor@example.com'), 'GET', '/pipelines/example_pipeline/blocks/load_example_data/code'))
      .body as { content: string };
    expect(code.content).toContain("'Barbara'");
    await setEditorText(page, '[data-testid="cell-load_example_data"]', code.content.replace("'Barbara'", "'Margaret'"));
    await cell.getByTestId('save-state').filter({ hasText: /Unsaved|Saving/ }).waitFor();
    await cell.getByTestId('save-state').filter({ hasText: /^Saved$/ }).waitFor();
    await cell.getByTestId('run-block').click();
    const table = cell.getByTestId('output-table');
    await table.waitFor({ timeout: 60_000 });
    await expect.poll(() => table.textContent(), POLL).toContain('Margaret');
    const started = await fromPage(page, 'POST', '/pipelines/example_pipeline/runs', {});
    expect(started.status).toBe(201);
    await shot('69-editor-ran');

    // The editor changes its own password: this session stays, the one signed in elsewhere ends.
    const elsewhere = await apiSession(s, 'editor@example.com');
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Change password…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change your password' });
    await dialog.getByLabel('Current password').fill(PASSWORD);
    await dialog.getByLabel('New password', { exact: true }).fill('a brand new password');
    await dialog.getByLabel('New password again').fill('a brand new password');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByTestId('password-changed').waitFor();
    await shot('70-password-changed');
    await dialog.getByRole('button', { name: 'Done' }).click();
    expect((await call(s, elsewhere, 'GET', '/pipelines')).status).toBe(401);
    expect((await fromPage(page, 'POST', '/pipelines/example_pipeline/runs', {})).status).toBe(201);
  });
});
