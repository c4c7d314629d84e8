import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import { StreamCard } from './StreamCard';

function serve(body: Schemas['StreamDto']) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname !== '/api/v1/runs/3/stream') return new Response('{}', { status: 404 });
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
}

function renderCard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <StreamCard runId={3} live={false} />
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('StreamCard', () => {
  it('shows the counters of a streaming run, per sink', async () => {
    serve({
      streaming: true,
      messages_in: 1200,
      messages_out: { store_events: 1199 },
      errors: 1,
      lag: 40,
      last_message_at: null,
      last_error: 'ValueError: bad message',
      state: 'running',
      attempts: 2,
      updated_at: null,
    });
    renderCard();
    const card = await screen.findByTestId('run-stream');
    expect(within(card).getByTestId('stream-in').textContent).toBe('1200');
    expect(card.textContent).toContain('store_events');
    expect(card.textContent).toContain('1199');
    expect(card.textContent).toContain('Last error: ValueError: bad message');
    expect(within(card).queryByTestId('stream-duplicates')).toBeNull();
  });

  it('shows what a sink without a unique key holds twice', async () => {
    serve({
      streaming: true,
      messages_in: 500,
      messages_out: { to_file: 500, to_pg: 500 },
      duplicates: { to_file: 100, to_pg: 0 },
      errors: 0,
      attempts: 2,
    });
    renderCard();
    const card = await screen.findByTestId('run-stream');
    const held = within(card).getAllByTestId('stream-duplicates');
    expect(held.map((cell) => cell.textContent)).toEqual(['100']);
    expect(card.textContent).toContain('Held twice in to_file');
  });

  it('shows nothing for a run that is not a streaming pipeline’s', async () => {
    serve({ streaming: false, messages_in: 0, messages_out: {}, errors: 0, attempts: 0 });
    const { container } = renderCard();
    await vi.waitFor(() => expect(vi.mocked(fetch)).toHaveBeenCalled());
    expect(container.textContent).toBe('');
  });
});
