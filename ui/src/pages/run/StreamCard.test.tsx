import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import { StreamCard } from './StreamCard';

const counters: Schemas['StreamDto'] = {
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
};

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** Serves the run's counters, the pipeline's stream state and, for a POST to the stream, `answer`. */
function serve(body: Schemas['StreamDto'], state?: Schemas['StreamStateDto'], answer?: () => Response) {
  const posted: unknown[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname === '/api/v1/runs/3/stream') return json(body);
      if (url.pathname === '/api/v1/pipelines/rabbit_to_pg/stream') {
        if (request.method === 'POST') {
          posted.push(await request.json());
          return answer ? answer() : json({}, 500);
        }
        return state ? json(state) : json({}, 404);
      }
      return json({}, 404);
    }),
  );
  return posted;
}

function renderCard(live = false) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <StreamCard runId={3} pipelineUuid="rabbit_to_pg" live={live} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const stoppedState: Schemas['StreamStateDto'] = {
  streaming: true,
  running: null,
  always_on_trigger_id: 1,
  newest: { id: 3, status: 'cancelled' },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('StreamCard', () => {
  it('shows the counters of a streaming run, per sink', async () => {
    serve(counters);
    renderCard();
    const card = await screen.findByTestId('run-stream');
    expect(within(card).getByTestId('stream-in').textContent).toBe('1200');
    expect(card.textContent).toContain('store_events');
    expect(card.textContent).toContain('1199');
    expect(card.textContent).toContain('Last error: ValueError: bad message');
    expect(within(card).queryByTestId('stream-duplicates')).toBeNull();
    expect(within(card).getByTestId('stream-one-process').textContent).toContain("source block's process");
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

  it('stops the pipeline while its run is unfinished', async () => {
    const running = { ...stoppedState, running: { id: 3, status: 'running' as const } };
    const posted = serve(counters, running, () => json({ stopped: [3], started: null, stream: stoppedState }));
    renderCard(true);
    await userEvent.click(await screen.findByRole('button', { name: /Stop/ }));
    await vi.waitFor(() => expect(posted).toEqual([{ action: 'stop' }]));
    expect(screen.queryByRole('button', { name: /Start again/ })).toBeNull();
  });

  it('starts a stopped pipeline again and links to the new run', async () => {
    const posted = serve(counters, stoppedState, () =>
      json({ stopped: [], started: 4, stream: { ...stoppedState, running: { id: 4, status: 'initial' } } }),
    );
    renderCard();
    await userEvent.click(await screen.findByRole('button', { name: /Start again/ }));
    await vi.waitFor(() => expect(posted).toEqual([{ action: 'start' }]));
    const link = await screen.findByRole('link', { name: 'run #4' });
    expect(link.getAttribute('href')).toBe('/runs/4');
  });

  it('shows the server’s message when the stream did not start', async () => {
    serve(counters, stoppedState, () =>
      json({ error: { code: 'conflict', message: 'the streaming pipeline `rabbit_to_pg` is already running (run 9)' } }, 409),
    );
    renderCard();
    await userEvent.click(await screen.findByRole('button', { name: /Start again/ }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('is already running (run 9)');
  });
});
