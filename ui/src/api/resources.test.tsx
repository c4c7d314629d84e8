import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { usePipelines } from './pipelines';
import { useDeleteFile, useFiles } from './files';
import { useDeleteTrigger, useTrigger, useTriggers, useUpdateTrigger, withStatus } from './triggers';
import type { Trigger } from './client';

const trigger = {
  id: 7,
  pipeline_uuid: 'etl',
  name: 'nightly',
  description: null,
  schedule_type: 'time',
  schedule_interval: '@daily',
  timezone: 'UTC',
  start_time: null,
  end_time: null,
  variables: {},
  settings: {},
  status: 'active',
} as unknown as Trigger;

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** A fake server that answers every call with `answer(method, path)` and records the calls as "METHOD /path". */
function fakeServer(answer: (method: string, path: string) => unknown) {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((request: Request) => {
      const path = new URL(request.url).pathname.replace('/api/v1', '');
      calls.push(`${request.method} ${path}`);
      const body = answer(request.method, path);
      return Promise.resolve(body === undefined ? new Response(null, { status: 204 }) : json(body));
    }),
  );
  return calls;
}

function wrapper() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

const count = (calls: string[], call: string) => calls.filter((c) => c === call).length;

describe('resource hooks: every write refreshes what it changes', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('deleting a trigger reads the trigger list and the pipeline list (its trigger count) again', async () => {
    const calls = fakeServer((method, path) => (method === 'DELETE' ? undefined : path === '/triggers' ? [trigger] : []));
    const { result } = renderHook(() => ({ triggers: useTriggers(), pipelines: usePipelines(), remove: useDeleteTrigger() }), { wrapper: wrapper() });
    await waitFor(() => {
      expect(result.current.triggers.isSuccess && result.current.pipelines.isSuccess).toBe(true);
    });
    await act(() => result.current.remove.mutateAsync({ id: 7 }));
    await waitFor(() => {
      expect(count(calls, 'GET /triggers')).toBe(2);
      expect(count(calls, 'GET /pipelines')).toBe(2);
    });
    expect(calls).toContain('DELETE /triggers/7');
  });

  it("changing a trigger puts the server's answer into its detail at once", async () => {
    const calls = fakeServer((method) => (method === 'PUT' ? { ...trigger, status: 'inactive' } : trigger));
    const { result } = renderHook(() => ({ detail: useTrigger(7, { staleTime: 60_000 }), update: useUpdateTrigger() }), { wrapper: wrapper() });
    await waitFor(() => {
      expect(result.current.detail.data?.status).toBe('active');
    });
    await act(() => result.current.update.mutateAsync({ id: 7, trigger: withStatus(trigger, 'inactive') }));
    // The hook re-renders with the answer on the query's next notice, and never reads the trigger again.
    await waitFor(() => {
      expect(result.current.detail.data?.status).toBe('inactive');
    });
    expect(count(calls, 'GET /triggers/7')).toBe(1);
  });

  it('deleting a file resolves only after the tree was read again', async () => {
    let files = [{ path: 'a.py', is_dir: false, size: 1 }];
    const calls = fakeServer((method) => {
      if (method === 'DELETE') {
        files = [];
        return undefined;
      }
      return files;
    });
    const { result } = renderHook(() => ({ tree: useFiles(), remove: useDeleteFile() }), { wrapper: wrapper() });
    await waitFor(() => {
      expect(result.current.tree.data).toHaveLength(1);
    });
    await act(() => result.current.remove.mutateAsync({ path: 'a.py' }));
    // The tree was read again before the delete resolved; the hook re-renders with it on the query's next notice.
    expect(count(calls, 'GET /files')).toBe(2);
    await waitFor(() => {
      expect(result.current.tree.data).toEqual([]);
    });
  });
});
