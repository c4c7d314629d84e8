import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useBlockLog } from './useBlockLog';

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** A finished log of `total` lines served in pages of at most `limit` lines, the cursor being the line number. */
function fakeLog(total: number) {
  const cursors: number[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((request: Request) => {
      const url = new URL(request.url);
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      cursors.push(cursor);
      const end = Math.min(total, cursor + limit);
      const lines = Array.from({ length: end - cursor }, (_, i) => ({ time: 't', stream: 'stdout', text: `line ${String(cursor + i)}` }));
      return Promise.resolve(json({ block_uuid: 'b', lines, cursor, next_cursor: end, more: end < total }));
    }),
  );
  return cursors;
}

describe('useBlockLog on a finished block', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reads the log page by page, the first batch at once and the rest on demand, without gaps', async () => {
    const cursors = fakeLog(12_500);
    const { result } = renderHook(() => useBlockLog(7, 'b', false));
    await waitFor(() => {
      expect(result.current.state).toBe('done');
    });
    expect(result.current.lines).toHaveLength(10_000);
    expect(cursors).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(result.current.loadMore).not.toBeNull();
    act(() => {
      result.current.loadMore?.();
    });
    await waitFor(() => {
      expect(result.current.lines).toHaveLength(12_500);
    });
    expect(result.current.lines.map((l) => l.text)).toEqual(Array.from({ length: 12_500 }, (_, i) => `line ${String(i)}`));
    expect(result.current.loadMore).toBeNull();
  });
});
