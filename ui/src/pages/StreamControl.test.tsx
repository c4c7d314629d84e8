import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../api/client';
import { StreamControl } from './StreamControl';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** Serves the pipeline's stream state, then (after a POST) `after`; each POST's body is kept. */
function serve(state: Schemas['StreamStateDto'], answer: () => Response = () => json({}, 500)) {
  const posted: unknown[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname !== '/api/v1/pipelines/p/stream') return json({}, 404);
      if (request.method === 'POST') {
        posted.push(await request.json());
        return answer();
      }
      return json(state);
    }),
  );
  return posted;
}

function renderControl() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <StreamControl uuid="p" />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const button = (name: string) => screen.getByRole('button', { name: new RegExp(name) }) as HTMLButtonElement;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('StreamControl', () => {
  it('shows a running stream with a link to its run, and stops it', async () => {
    const running: Schemas['StreamStateDto'] = {
      streaming: true,
      running: { id: 12, status: 'running' },
      always_on_trigger_id: 1,
      newest: { id: 12, status: 'running' },
    };
    const posted = serve(running, () => json({ stopped: [12], started: null, stream: { ...running, running: null } }));
    renderControl();
    const link = await screen.findByRole('link', { name: 'run #12' });
    expect(link.getAttribute('href')).toBe('/runs/12');
    expect(screen.getByTestId('stream-control').textContent).toContain('Running');
    expect(button('Start').disabled).toBe(true);
    expect(button('Restart').disabled).toBe(false);
    await userEvent.click(button('Stop'));
    await vi.waitFor(() => expect(posted).toEqual([{ action: 'stop' }]));
  });

  it('starts a stopped stream and shows the server’s message when it refuses', async () => {
    const stopped: Schemas['StreamStateDto'] = { streaming: true, running: null, always_on_trigger_id: null, newest: null };
    const posted = serve(stopped, () =>
      json({ error: { code: 'conflict', message: 'the streaming pipeline `p` is already running (run 5)' } }, 409),
    );
    renderControl();
    expect((await screen.findByTestId('stream-control')).textContent).toContain('Stopped');
    expect(button('Stop').disabled).toBe(true);
    await userEvent.click(button('Start'));
    await vi.waitFor(() => expect(posted).toEqual([{ action: 'start' }]));
    expect((await screen.findByRole('alert')).textContent).toContain('already running (run 5)');
  });

  it('shows nothing for a pipeline that is not streaming', async () => {
    serve({ streaming: false, running: null, always_on_trigger_id: null, newest: null });
    const { container } = renderControl();
    await vi.waitFor(() => expect(vi.mocked(fetch)).toHaveBeenCalled());
    expect(container.textContent).toBe('');
  });
});
