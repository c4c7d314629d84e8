import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../api/client';
import { ActivityList } from './ActivityList';

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** 60 entries of pipeline etl (runs 1 to 60 started by ada), paged like the server: newest first, `before` exclusive. */
function fakeServer() {
  const all: AuditEntry[] = Array.from({ length: 60 }, (_, i) => {
    const id = 60 - i;
    return {
      id,
      at: '2026-12-02T10:00:00Z',
      actor: { kind: 'user', user: { id: 1, email: 'ada@example.com' } },
      client: null,
      action: 'start',
      object_kind: 'run',
      object_id: String(id),
      pipeline_uuid: 'etl',
      run_id: id,
      detail: {},
    };
  });
  const paths: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      paths.push(url.pathname);
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const before = url.searchParams.get('before') ? Number(url.searchParams.get('before')) : Infinity;
      const rows = url.pathname === '/api/v1/runs/7/audit' ? all.filter((e) => e.run_id === 7) : all.filter((e) => e.id < before);
      const page = rows.slice(0, limit);
      return json({ entries: page, next_before: rows.length > limit ? page[page.length - 1]!.id : null });
    }),
  );
  return paths;
}

function renderList(scope: { pipeline: string } | { run: number }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ActivityList scope={scope} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('the activity of a pipeline or a run', () => {
  it('lists who did what, newest first, a page at a time', async () => {
    const paths = fakeServer();
    renderList({ pipeline: 'etl' });
    const rows = await screen.findAllByTestId('activity-row');
    expect(paths).toContain('/api/v1/pipelines/etl/audit');
    expect(rows).toHaveLength(50);
    expect(within(rows[0]!).getByText('ada@example.com')).toBeTruthy();
    expect(within(rows[0]!).getByText('started run #60')).toBeTruthy();
    expect(within(rows[0]!).getByRole('link', { name: '#60' }).getAttribute('href')).toBe('/runs/60');
    await userEvent.click(screen.getByRole('button', { name: /Older/ }));
    await waitFor(() => expect(screen.getAllByTestId('activity-row')).toHaveLength(10));
    expect(screen.getByText('started run #10')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Older/ }).hasAttribute('disabled')).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: /Newer/ }));
    await waitFor(() => expect(screen.getAllByTestId('activity-row')).toHaveLength(50));
  });

  it('shows a run its own entries without a run column', async () => {
    fakeServer();
    renderList({ run: 7 });
    const rows = await screen.findAllByTestId('activity-row');
    expect(rows).toHaveLength(1);
    expect(within(rows[0]!).getByText('started run #7')).toBeTruthy();
    expect(screen.queryByRole('columnheader', { name: 'Run' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Older/ })).toBeNull();
  });
});
