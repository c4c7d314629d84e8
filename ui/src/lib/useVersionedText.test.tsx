import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useCodeCell } from '../pages/editor/useCodeCell';
import { AUTOSAVE_DELAY_MS } from './useVersionedText';

interface Call {
  method: string;
  url: string;
  body: unknown;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A fake server for one block's code: GET returns the file, PUT answers with `onPut`. */
function fakeServer(onPut: (body: { content: string; version: string }) => Response) {
  const calls: Call[] = [];
  let file = { path: 'data_loaders/load.py', content: 'x = 1\n', version: 'v1' };
  const fetchMock = vi.fn(async (request: Request) => {
    const body = request.method === 'PUT' ? ((await request.json()) as { content: string; version: string }) : undefined;
    calls.push({ method: request.method, url: request.url, body });
    if (request.method === 'GET') return json(200, file);
    return onPut(body!);
  });
  vi.stubGlobal('fetch', fetchMock);
  return {
    calls,
    setFile: (f: typeof file) => {
      file = f;
    },
  };
}

/** Renders the code cell hook the way the app does: inside a query client (its save is a mutation). */
function renderCodeCell() {
  const client = new QueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return renderHook(() => useCodeCell('etl', 'load'), { wrapper });
}

async function flush() {
  await act(async () => {
    await Promise.resolve();
  });
}

describe('a block cell: load, autosave, conflict', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('saves about a second after typing stops, with the version it read', async () => {
    const server = fakeServer((b) => json(200, { path: 'p', content: b.content, version: 'v2' }));
    const { result } = renderCodeCell();
    await vi.waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.state.content).toBe('x = 1\n');
    expect(server.calls[0]?.url).toMatch(/\/api\/v1\/pipelines\/etl\/blocks\/load\/code$/);

    act(() => result.current.edit('x = 2\n'));
    expect(result.current.state.status).toBe('unsaved');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS / 2);
    });
    act(() => result.current.edit('x = 3\n'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS / 2);
    });
    // The second keystroke restarted the pause: nothing sent yet.
    expect(server.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS);
    });
    await vi.waitFor(() => expect(result.current.state.status).toBe('saved'));
    const puts = server.calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.body).toEqual({ content: 'x = 3\n', version: 'v1' });
    expect(result.current.state.version).toBe('v2');
  });

  it('shows a conflict on 409 file_changed, and Reload brings the newest text', async () => {
    const server = fakeServer(() => json(409, { error: { code: 'file_changed', message: 'the file changed on disk' } }));
    const { result } = renderCodeCell();
    await vi.waitFor(() => expect(result.current.loading).toBe(false));

    act(() => result.current.edit('mine\n'));
    let saved: boolean | undefined;
    await act(async () => {
      saved = await result.current.save();
    });
    expect(saved).toBe(false);
    expect(result.current.state.status).toBe('conflict');
    expect(result.current.state.error).toMatch(/changed on disk/);

    // No autosave loop while in conflict.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS * 3);
    });
    expect(server.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);

    server.setFile({ path: 'p', content: 'theirs\n', version: 'v9' });
    await act(async () => {
      await result.current.reload();
    });
    await flush();
    expect(result.current.state).toMatchObject({ status: 'saved', content: 'theirs\n', version: 'v9' });
  });

  it('reports a failed save with the server message and retries on the next edit', async () => {
    let fail = true;
    const server = fakeServer((b) =>
      fail ? json(500, { error: { code: 'internal', message: 'disk is full' } }) : json(200, { path: 'p', content: b.content, version: 'v3' }),
    );
    const { result } = renderCodeCell();
    await vi.waitFor(() => expect(result.current.loading).toBe(false));
    act(() => result.current.edit('y\n'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    });
    await vi.waitFor(() => expect(result.current.state.status).toBe('error'));
    expect(result.current.state.error).toBe('disk is full');

    fail = false;
    act(() => result.current.edit('yz\n'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    });
    await vi.waitFor(() => expect(result.current.state.status).toBe('saved'));
    expect(server.calls.filter((c) => c.method === 'PUT').map((c) => (c.body as { content: string }).content)).toEqual(['y\n', 'yz\n']);
  });
});
