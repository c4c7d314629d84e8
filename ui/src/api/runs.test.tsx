import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useBlockGroups, useReadAgainWhenEnded } from './runs';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A server whose run 7 has no dynamic children at the first read of its groups and three completed ones after. */
function fakeServer() {
  let reads = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname !== '/api/v1/runs/7/block_groups') return new Response('[]', { status: 200, headers: { 'Content-Type': 'application/json' } });
      reads += 1;
      const body = reads === 1 ? [] : [{ block: 'square', total: 3, counts: { completed: 3 } }];
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return { reads: () => reads };
}

describe('a run page that saw the run going', () => {
  it('reads the dynamic children once more when the run ends, though its last read found none', async () => {
    const server = fakeServer();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result, rerender } = renderHook(
      ({ finished }: { finished: boolean }) => {
        useReadAgainWhenEnded(7, finished);
        return useBlockGroups(7, finished);
      },
      { wrapper, initialProps: { finished: false } },
    );
    await waitFor(() => expect(result.current.data).toEqual([]));
    // The run is seen ended before the next poll: the groups read before the end must not be the last word.
    rerender({ finished: true });
    await waitFor(() => expect(result.current.data?.map((g) => g.block)).toEqual(['square']));
    expect(server.reads()).toBe(2);
  });
});
