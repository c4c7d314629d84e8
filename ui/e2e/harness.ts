// The browser-test harness: a real `wand start` on a fresh project, the built UI in front of it, and Debian's
// Chromium driven by playwright-core.
//
// Environment:
//   WAND_BIN        the wand binary (default ../target/debug/wand, the workspace's debug build)
//   WAND_PYTHON     the Python the server runs blocks with (required: it needs pandas)
//   WAND_UI_URL     unset or `preview`: serve ui/dist with `vite preview`, proxying /api (HTTP, SSE, WebSocket) to the
//                   server; `server`: the server serves ui/dist itself; an http(s) URL:
//                   use that UI as is (it must proxy /api to the server this harness started: `{api}` in it is
//                   replaced by the server's URL, e.g. for a dev server).
//   WAND_ARTIFACTS  where screenshots go (default ui/e2e/artifacts)
//   CHROMIUM        the browser (default /usr/bin/chromium)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

const UI_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const ARTIFACTS = resolve(process.env.WAND_ARTIFACTS ?? join(UI_DIR, 'e2e', 'artifacts'));
export const WAND_BIN = process.env.WAND_BIN ?? join(UI_DIR, '..', 'target', 'debug', 'wand');
const WAND_PYTHON = process.env.WAND_PYTHON ?? 'python3';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const VIEWPORT = { width: 1280, height: 800 };

/** How long a read of the page is retried (`expect.poll`) before it fails: content arrives asynchronously. */
export const POLL = { timeout: 15_000, interval: 50 };

export interface Wand {
  /** The server's own URL (API at /api/v1). */
  url: string;
  project: string;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `wand start <tmp>/<folder> --port 0 --data-dir <tmp>/data` (with `env` added to its environment, e.g.
 * `WAND_OWNER_EMAIL`) and waits for its first line.
 */
export async function startWand(tmp: string, folder = 'spellbook', env: Record<string, string> = {}): Promise<Wand> {
  if (!existsSync(WAND_BIN)) throw new Error(`WAND_BIN ${WAND_BIN} does not exist: build the server first (cargo build)`);
  const project = join(tmp, folder);
  const child: ChildProcess = spawn(WAND_BIN, ['start', project, '--port', '0', '--data-dir', join(tmp, 'data')], {
    // The browser terminal runs a plain /bin/sh: the test is about the terminal, not this machine's shell start-up
    // files (a login bash here can wait a minute on a stale pyenv lock before its first prompt).
    env: { ...process.env, WAND_PYTHON, SHELL: '/bin/sh', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`wand did not print its URL within 30 s:\n${log}`)), 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log += line + '\n';
      const m = /Wand is serving project `[^`]*` on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`wand exited (${String(code)}) before serving:\n${log}`));
    });
  });
  return {
    url,
    project,
    output: () => log,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode != null || child.signalCode != null) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface Ui {
  url: string;
  stop: () => Promise<void>;
}

/** The UI in front of a wand server, as WAND_UI_URL says. */
export async function startUi(wandUrl: string): Promise<Ui> {
  const mode = process.env.WAND_UI_URL ?? 'preview';
  if (mode === 'server') return { url: wandUrl, stop: async () => {} };
  if (/^https?:\/\//.test(mode)) return { url: mode.replace('{api}', wandUrl).replace(/\/$/, ''), stop: async () => {} };
  if (!existsSync(join(UI_DIR, 'dist', 'index.html'))) throw new Error('ui/dist is missing: run `npm run build` first');
  const server: PreviewServer = await preview({
    root: UI_DIR,
    configFile: false,
    logLevel: 'warn',
    build: { outDir: 'dist' },
    preview: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      open: false,
      proxy: { '/api': { target: wandUrl, ws: true, changeOrigin: false } },
    },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('vite preview did not listen on a port');
  return {
    url: `http://127.0.0.1:${String(address.port)}`,
    stop: () => server.close(),
  };
}

export interface Session {
  wand: Wand;
  ui: Ui;
  context: BrowserContext;
  page: Page;
  /** Saves a 1280×800 screenshot as <ARTIFACTS>/<name>.png. */
  shot: (name: string) => Promise<string>;
  /** Calls the API directly (for setup and checks), throwing on an error status. */
  api: <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;
  close: () => Promise<void>;
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A fresh project (a copy of `fixtures/<fixture>` when given, in a folder of the same name: its blocks may import
 * modules by the project's name, as Mage's do), server, UI and browser; `close` ends them all and removes the
 * temporary folder. `env` goes to the server's environment (`WAND_OWNER_EMAIL`/`WAND_OWNER_PASSWORD` make an owner, so
 * every page then asks to sign in).
 */
export async function openSession(options: { fixture?: string; env?: Record<string, string> } = {}): Promise<Session> {
  const tmp = await mkdtemp(join(tmpdir(), 'wand-e2e-'));
  if (options.fixture) await cp(join(UI_DIR, '..', 'fixtures', options.fixture), join(tmp, options.fixture), { recursive: true });
  const cleanups: (() => Promise<void>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const close = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // Keep closing the rest.
      }
    }
  };
  try {
    const wand = await startWand(tmp, options.fixture, options.env);
    cleanups.push(wand.stop);
    const ui = await startUi(wand.url);
    cleanups.push(ui.stop);
    await mkdir(ARTIFACTS, { recursive: true });
    const context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: VIEWPORT,
      colorScheme: 'light',
      timezoneId: 'UTC',
      locale: 'en-US',
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    const api = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${wand.url}/api/v1${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${String(res.status)} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    const shot = async (name: string) => {
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    };
    return { wand, ui, context, page, shot, api, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Replaces the whole text of the CodeMirror editor inside `scope` (typed as one paste, so no auto-indent). */
export async function setEditorText(page: Page, scopeSelector: string, text: string): Promise<void> {
  const content = page.locator(`${scopeSelector} .cm-content`).first();
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Drags from one point to another in small steps, as a hand would. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  const steps = 12;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps);
  }
  await page.mouse.up();
}

export async function centerOf(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}
