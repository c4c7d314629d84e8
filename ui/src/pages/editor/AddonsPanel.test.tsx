import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Block } from '../../api/client';
import { AddonsPanel } from './AddonsPanel';

function block(uuid: string, patch: Partial<Block> = {}): Block {
  return {
    uuid,
    name: uuid,
    type: 'transformer',
    language: 'python',
    file: `transformers/${uuid}.py`,
    upstream_blocks: [],
    downstream_blocks: [],
    configuration: {},
    conditionals: [],
    callbacks: [],
    ...patch,
  } as Block;
}

/** Records every request; answers with a pipeline detail whose blocks are `detail`. */
function fakeServer(detail: Block[]) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const text = await request.text();
      requests.push({ method: request.method, path: url.pathname, body: text ? JSON.parse(text) : undefined });
      return new Response(JSON.stringify({ uuid: 'p', name: 'p', blocks: detail }), { status: 201, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return requests;
}

function renderPanel(target: Block, blocks: Block[], onConfigure = vi.fn(async () => true)) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <AddonsPanel pipeline="p" block={target} blocks={blocks} onConfigure={onConfigure} />
    </QueryClientProvider>,
  );
  return onConfigure;
}

describe('AddonsPanel', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('toggles dynamic and reduce_output as configuration keys (off removes the key)', async () => {
    const user = userEvent.setup();
    fakeServer([]);
    const onConfigure = renderPanel(block('square', { configuration: { reduce_output: true } }), []);
    expect(screen.getByTestId('toggle-reduce-output')).toBeChecked();
    expect(screen.getByTestId('toggle-dynamic')).not.toBeChecked();
    await user.click(screen.getByTestId('toggle-dynamic'));
    await user.click(screen.getByTestId('toggle-reduce-output'));
    expect(onConfigure.mock.calls).toEqual([[{ dynamic: true }], [{ reduce_output: null }]]);
  });

  it('creates, attaches and detaches add-ons through the API', async () => {
    const user = userEvent.setup();
    const notify = { uuid: 'notify', file: 'callbacks/notify.py' };
    const gate = { uuid: 'gate', file: 'conditionals/gate.py' };
    const target = block('collect', { callbacks: [notify] });
    const requests = fakeServer([target]);
    renderPanel(target, [target, block('square', { conditionals: [gate] })]);

    await user.click(screen.getByTestId('add-callback'));
    await user.type(screen.getByTestId('new-callback-name'), 'alert me');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await user.selectOptions(screen.getByTestId('attach-conditional'), 'gate');
    await user.click(screen.getByTestId('detach-notify'));
    await waitFor(() => expect(requests).toHaveLength(3));
    expect(requests).toEqual([
      { method: 'POST', path: '/api/v1/pipelines/p/blocks/collect/addons', body: { type: 'callback', name: 'alert me' } },
      { method: 'POST', path: '/api/v1/pipelines/p/blocks/collect/addons', body: { addon: 'gate' } },
      { method: 'DELETE', path: '/api/v1/pipelines/p/blocks/collect/addons/notify', body: undefined },
    ]);
  });
});
