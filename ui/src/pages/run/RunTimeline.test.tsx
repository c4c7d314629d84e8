import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BlockRun, Schemas } from '../../api/client';
import { RunTimeline } from './RunTimeline';

const TOTAL = 1000;
const at = (seconds: number) => new Date(Date.parse('2026-05-01T10:00:00Z') + seconds * 1000).toISOString();

function instance(index: number): BlockRun {
  return {
    id: 100 + index,
    block_uuid: `square:${String(index)}`,
    block: 'square',
    dynamic_block_index: index,
    status: index === 7 ? 'failed' : 'completed',
    attempt: 1,
    queued_at: at(2),
    started_at: at(2 + index / 100),
    completed_at: at(3 + index / 100),
    duration_seconds: 1,
    error: null,
    waiting_until: null,
  };
}

const timeline: Schemas['TimelineDto'] = {
  run_id: 7,
  status: 'failed',
  created_at: at(0),
  started_at: at(0),
  completed_at: at(14),
  now: at(20),
  blocks: [
    { block_uuid: 'numbers', status: 'completed', attempt: 1, queued_at: at(0), started_at: at(1), completed_at: at(2), instances: null },
    {
      block_uuid: 'square',
      status: 'completed',
      attempt: 0,
      queued_at: null,
      started_at: at(2),
      completed_at: at(2),
      instances: { total: TOTAL, counts: { completed: TOTAL - 1, failed: 1 }, first_queued_at: at(2), first_started_at: at(2), last_completed_at: at(13) },
    },
    { block_uuid: 'total', status: 'upstream_failed', attempt: 0, queued_at: null, started_at: null, completed_at: null, instances: null },
  ],
};

/** The timeline of run 7 and the instances of `square`, paged as the server pages them. */
function fakeServer() {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
      if (url.pathname === '/api/v1/runs/7/timeline') return json(timeline);
      if (url.pathname === '/api/v1/runs/7/block_runs' && url.searchParams.get('block') === 'square') {
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 100);
        return json(Array.from({ length: Math.max(0, Math.min(limit, TOTAL - offset)) }, (_, i) => instance(offset + i)));
      }
      return new Response('{}', { status: 404 });
    }),
  );
}

function renderTimeline(onSelect: (block: string, row?: BlockRun) => void = () => {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <RunTimeline runId={7} selected="numbers" onSelect={onSelect} />
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('RunTimeline', () => {
  it('collapses a dynamic child’s 1,000 instances into one row with counts, and draws only the rows in view once expanded', async () => {
    fakeServer();
    const onSelect = vi.fn();
    renderTimeline(onSelect);
    const list = await screen.findByRole('list');
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(3));
    expect(within(list).getAllByRole('listitem')[0]?.getAttribute('aria-current')).toBe('true');
    const group = within(list).getAllByRole('listitem')[1]!;
    expect(group.textContent).toContain('1000 instances');
    expect(group.textContent).toContain('999 completed · 1 failed');

    await userEvent.click(within(group).getByRole('button', { expanded: false }));
    await waitFor(() => expect(within(list).getByText('square:0')).toBeTruthy());
    // 1,003 rows in all, a few dozen drawn.
    const rows = within(list).getAllByRole('listitem');
    expect(rows.length).toBeLessThan(40);
    expect((list.firstElementChild as HTMLElement).style.height).toBe(`${String(1003 * 28)}px`);

    // Scrolled to the middle: those rows are drawn, the first ones no more.
    list.scrollTop = 28 * 500;
    fireEvent.scroll(list);
    await waitFor(() => expect(within(list).getByText('square:500')).toBeTruthy());
    expect(within(list).queryByText('square:0')).toBeNull();

    // An instance opens on a click.
    await userEvent.click(within(list).getByText('square:500'));
    expect(onSelect).toHaveBeenCalledWith('square:500', expect.objectContaining({ block_uuid: 'square:500' }));
  });

  it('opens a block run on a click', async () => {
    fakeServer();
    const onSelect = vi.fn();
    renderTimeline(onSelect);
    await userEvent.click(await screen.findByText('numbers'));
    expect(onSelect).toHaveBeenCalledWith('numbers', undefined);
  });
});
