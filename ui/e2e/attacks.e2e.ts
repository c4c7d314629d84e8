// Browser test: a signed-in user's session cookie does not let another web page act on the server. The foreign page
// is served from another port of 127.0.0.1: the same site for the browser (ports do not count), so the SameSite
// cookie is sent along, and only the server's Origin and JSON checks stand between the page and the project.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession, POLL, type Session } from './harness';

const OWNER = { email: 'owner@example.com', password: 'a long owner password' };

let s: Session;
let foreign: Server | undefined;
beforeEach(async () => {
  s = await openSession();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  foreign?.closeAllConnections();
  await new Promise<void>((done) => (foreign ? foreign.close(() => done()) : done()));
  foreign = undefined;
  await s?.close();
});

/** The page an attacker serves: it tries a JSON write, a simple write, a form post and the terminal. */
function attackPage(target: string): string {
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="form" method="POST" action="${target}/api/v1/pipelines/example_pipeline/runs" enctype="text/plain" target="sink">
  <input name='{"variables":{},"x":"' value='"}'>
</form>
<script>
window.results = {};
(async () => {
  try {
    const answer = await fetch('${target}/api/v1/pipelines', { method: 'POST', credentials: 'include',
      headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'evil_json' }) });
    results.json = 'answered ' + answer.status;
  } catch (error) { results.json = 'blocked'; }
  try {
    await fetch('${target}/api/v1/pipelines', { method: 'POST', mode: 'no-cors', credentials: 'include',
      headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'evil_simple' }) });
    results.simple = 'sent';
  } catch (error) { results.simple = 'blocked'; }
  results.terminal = await new Promise((done) => {
    const socket = new WebSocket('${target.replace(/^http/, 'ws')}/api/v1/terminal');
    socket.onopen = () => done('open');
    socket.onerror = () => done('refused');
    setTimeout(() => done('no answer'), 10000);
  });
  // The form's answer lands in the frame: done once it has.
  document.querySelector('iframe').onload = () => { results.done = true; };
  document.getElementById('form').submit();
})();
</script></body></html>`;
}

describe('a signed-in browser and a hostile page', () => {
  it('the session cookie lets no other page write, run or open the terminal', async () => {
    const { page, wand } = s;
    // Create the owner while the server is open, then sign the browser in.
    await s.api('POST', '/users', { ...OWNER, role: 'owner' });
    const signIn = await page.request.post(`${wand.url}/api/v1/sessions`, { data: OWNER });
    expect(signIn.status()).toBe(200);
    expect((await page.context().cookies(wand.url)).map((c) => c.name)).toContain('wand_session');
    const pipelinesBefore = await page.request.get(`${wand.url}/api/v1/pipelines`);
    expect(pipelinesBefore.status()).toBe(200);
    const runsBefore = ((await (await page.request.get(`${wand.url}/api/v1/runs`)).json()) as { runs: unknown[] }).runs.length;

    foreign = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(attackPage(wand.url));
    });
    await new Promise<void>((done) => foreign!.listen(0, '127.0.0.1', done));
    const foreignUrl = `http://127.0.0.1:${String((foreign.address() as AddressInfo).port)}`;
    await page.goto(foreignUrl);
    await expect.poll(() => page.evaluate(() => (window as unknown as { results: { done?: boolean } }).results.done), { ...POLL, timeout: 30_000 }).toBe(true);
    const results = await page.evaluate(() => (window as unknown as { results: Record<string, string> }).results);
    expect(results.json).toBe('blocked');
    expect(results.simple).toBe('sent');
    expect(results.terminal).toBe('refused');

    // The server changed nothing: no pipeline from the page, no run from its form.
    await expect
      .poll(async () => {
        const names = ((await (await page.request.get(`${wand.url}/api/v1/pipelines`)).json()) as { uuid: string }[]).map((p) => p.uuid);
        return names.filter((name) => name.startsWith('evil'));
      }, POLL)
      .toEqual([]);
    const runsAfter = ((await (await page.request.get(`${wand.url}/api/v1/runs`)).json()) as { runs: unknown[] }).runs.length;
    expect(runsAfter).toBe(runsBefore);
    // The cookie was there all along: the same browser, on the server's own page, is signed in.
    const me = (await (await page.request.get(`${wand.url}/api/v1/me`)).json()) as { user: { email: string } | null };
    expect(me.user?.email).toBe(OWNER.email);
  });
});
