import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BlockRun } from '../../api/client';
import { type BlockGroup, DynamicChildren } from './DynamicChildren';

const TOTAL = 10_000;
/** Indexes of the failed and condition-failed instances; the others completed. */
const FAILED = new Set([3, 9_999]);
const SKIPPED = new Set([5]);

function instance(index: number): BlockRun {
  const status = FAILED.has(index) ? 'failed' : SKIPPED.has(index) ? 'condition_failed' : 'completed';
  return {
    id: 100 + index,
    block_uuid: `square:${index}`,
    block: 'square',
    dynamic_block_index: index,
    status,
    attempt: 1,
    started_at: '2026-05-01T10:00:00Z',
    completed_at: '2026-05-01T10:00:01Z',
    duration_seconds: 1,
    error: status === 'failed' ? `ValueError: item ${String(index)}` : null,
    waiting_until: null,
  };
}

const group: BlockGroup = { block: 'square', total: TOTAL, counts: { completed: TOTAL - 3, failed: 2, condition_failed: 1 } };

/** A server holding 10,000 instances of `square` that pages and filters them as the real one does. */
function fakeServer() {
  const queries: URLSearchParams[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname !== '/api/v1/runs/7/block_runs') return new Response('{}', { status: 404 });
      const q = url.searchParams;
      queries.push(q);
      const status = q.get('status');
      const offset = Number(q.get('offset') ?? 0);
      const limit = Number(q.get('limit') ?? 100);
      const rows: BlockRun[] = [];
      for (let index = 0; index < TOTAL && rows.length < offset + limit; index++) {
        const row = instance(index);
        if (!status || row.status === status) rows.push(row);
      }
      const body = JSON.stringify(rows.slice(offset, offset + limit));
      return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return { queries, last: () => queries[queries.length - 1]! };
}

function renderChildren(onSelect: (b: BlockRun) => void = () => {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <DynamicChildren runId={7} group={group} runFinished selected={null} now={Date.now()} onSelect={onSelect} />
    </QueryClientProvider>,
  );
}

const names = () => within(screen.getByTestId('instances-square')).getAllByTestId(/^block-run-/).map((r) => r.getAttribute('data-testid'));

describe('the children of a dynamic block', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('counts them by status and fetches one page of 50, never all 10,000', async () => {
    const server = fakeServer();
    renderChildren();
    await screen.findByTestId('block-run-square:0');
    expect(names()).toHaveLength(50);
    expect(server.last().get('block')).toBe('square');
    expect(server.last().get('limit')).toBe('50');
    expect(server.last().get('offset')).toBe('0');
    expect(screen.getByTestId('children-all')).toHaveTextContent('10,000');
    expect(screen.getByTestId('children-failed')).toHaveTextContent('failed 2');
    expect(screen.getByTestId('children-condition_failed')).toHaveTextContent('condition failed 1');
    expect(screen.getByTestId('children-range')).toHaveTextContent('1–50 of 10,000');
    const skipped = within(screen.getByTestId('block-run-square:5')).getByText('condition failed');
    expect(skipped).toHaveClass('badge--skipped');
    expect(within(screen.getByTestId('block-run-square:3')).getByText('ValueError: item 3')).toBeInTheDocument();
  });

  it('pages through them and filters by a status chip', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    const chosen: BlockRun[] = [];
    renderChildren((b) => chosen.push(b));
    await screen.findByTestId('block-run-square:0');
    await user.click(screen.getByRole('button', { name: /Next/ }));
    await screen.findByTestId('block-run-square:50');
    expect(server.last().get('offset')).toBe('50');
    expect(screen.getByTestId('children-range')).toHaveTextContent('51–100 of 10,000');

    await user.click(screen.getByTestId('children-failed'));
    await waitFor(() => expect(names()).toEqual(['block-run-square:3', 'block-run-square:9999']));
    expect(server.last().get('status')).toBe('failed');
    expect(server.last().get('offset')).toBe('0');
    expect(screen.queryByTestId('children-pager')).toBeNull();

    await user.click(screen.getByTestId('block-run-square:9999'));
    expect(chosen.map((b) => b.block_uuid)).toEqual(['square:9999']);
  });
});
