import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../api/client';
import { dayAfter } from '../lib/runs';
import { RunsTable } from './RunsTable';

function run(id: number, patch: Partial<Run> = {}): Run {
  return {
    id,
    pipeline_uuid: id % 2 ? 'etl' : 'report',
    status: id % 10 === 0 ? 'failed' : 'completed',
    variables: {},
    trigger_id: id % 3 === 0 ? 7 : null,
    execution_date: '2026-05-01T10:00:00Z',
    created_at: '2026-05-01T10:00:00Z',
    started_at: '2026-05-01T10:00:00Z',
    completed_at: '2026-05-01T10:00:02Z',
    passed_sla: false,
    duration_seconds: 2.5,
    ...patch,
  };
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** 120 runs on a fake server that pages like the real one: newest first, `before` is exclusive. */
function fakeServer() {
  const all = Array.from({ length: 120 }, (_, i) => run(120 - i));
  const runQueries: URLSearchParams[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname === '/api/v1/pipelines') {
        return json([
          { uuid: 'etl', name: 'etl', blocks: 3, triggers: 1 },
          { uuid: 'report', name: 'report', blocks: 1, triggers: 0 },
        ]);
      }
      if (url.pathname === '/api/v1/triggers') {
        return json([{ id: 7, name: 'nightly', pipeline_uuid: 'etl', schedule_type: 'time', timezone: 'UTC', status: 'active', variables: {}, settings: {}, created_at: '' }]);
      }
      if (url.pathname === '/api/v1/runs') {
        const q = url.searchParams;
        runQueries.push(q);
        const limit = Number(q.get('limit') ?? 50);
        const before = q.get('before') ? Number(q.get('before')) : Infinity;
        const rows = all.filter(
          (r) =>
            r.id < before &&
            (!q.get('pipeline') || r.pipeline_uuid === q.get('pipeline')) &&
            (!q.get('status') || r.status === q.get('status')) &&
            (!q.get('trigger_id') || String(r.trigger_id) === q.get('trigger_id')),
        );
        const page = rows.slice(0, limit);
        return json({ runs: page, next_before: rows.length > limit ? page[page.length - 1]!.id : null });
      }
      return new Response('{}', { status: 404 });
    }),
  );
  return { runQueries, last: () => runQueries[runQueries.length - 1]! };
}

function renderTable(path = '/runs') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/runs" element={<RunsTable />} />
          <Route path="/runs/:id" element={<div>run page</div>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const rowIds = () =>
  screen
    .getAllByTestId(/^run-row-/)
    .map((r) => Number(r.getAttribute('data-testid')!.replace('run-row-', '')));

describe('the runs table', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('renders one page of runs with status, trigger and duration', async () => {
    const server = fakeServer();
    renderTable();
    await screen.findByTestId('run-row-120');
    expect(rowIds()).toHaveLength(50);
    expect(rowIds()[0]).toBe(120);
    expect(server.last().get('limit')).toBe('50');
    expect(server.last().has('before')).toBe(false);
    const row = screen.getByTestId('run-row-120');
    expect(within(row).getByText('failed')).toHaveAttribute('data-status', 'failed');
    expect(within(row).getByText('2.50 s')).toBeInTheDocument();
    await waitFor(() => expect(within(screen.getByTestId('run-row-117')).getByText('nightly')).toBeInTheDocument());
    expect(within(screen.getByTestId('run-row-119')).getByText('Manual')).toBeInTheDocument();
  });

  it('pages with Older and Newer through the keyset cursor', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    renderTable();
    await screen.findByTestId('run-row-120');
    const newer = screen.getByRole('button', { name: /Newer/ });
    const older = screen.getByRole('button', { name: /Older/ });
    expect(newer).toBeDisabled();

    await user.click(older);
    await screen.findByTestId('run-row-70');
    expect(server.last().get('before')).toBe('71');
    expect(rowIds()[0]).toBe(70);
    expect(screen.getByTestId('page-number')).toHaveTextContent('Page 2');

    await user.click(older);
    await screen.findByTestId('run-row-20');
    expect(server.last().get('before')).toBe('21');
    expect(rowIds()).toHaveLength(20);
    expect(older).toBeDisabled();

    await user.click(newer);
    await screen.findByTestId('run-row-70');
    await user.click(newer);
    await screen.findByTestId('run-row-120');
    expect(screen.getByTestId('page-number')).toHaveTextContent('Page 1');
    expect(newer).toBeDisabled();
  });

  it('asks the server with the chosen filters and starts again at the newest page', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    renderTable();
    await screen.findByTestId('run-row-120');
    await user.click(screen.getByRole('button', { name: /Older/ }));
    await screen.findByTestId('run-row-70');

    await user.selectOptions(screen.getByLabelText('Status'), 'failed');
    await screen.findByTestId('run-row-120');
    let q = server.last();
    expect(q.get('status')).toBe('failed');
    expect(q.has('before')).toBe(false);
    expect(rowIds().every((id) => id % 10 === 0)).toBe(true);

    await waitFor(() => expect(screen.getByRole('option', { name: 'etl' })).toBeInTheDocument());
    await user.selectOptions(screen.getByLabelText('Pipeline'), 'etl');
    await waitFor(() => expect(server.last().get('pipeline')).toBe('etl'));
    await user.selectOptions(screen.getByLabelText('Status'), '');
    await user.selectOptions(screen.getByLabelText('Trigger'), '7');
    await waitFor(() => expect(server.last().get('trigger_id')).toBe('7'));
    q = server.last();
    expect(q.get('pipeline')).toBe('etl');
    expect(q.has('status')).toBe(false);
    await waitFor(() => expect(rowIds()[0]).toBe(117));
    expect(rowIds().every((id) => id % 3 === 0 && id % 2 === 1)).toBe(true);
  });

  it('reads its filters from the address', async () => {
    const server = fakeServer();
    renderTable('/runs?pipeline=report&status=completed');
    await screen.findByTestId('run-row-118');
    expect(server.last().get('pipeline')).toBe('report');
    expect(server.last().get('status')).toBe('completed');
    expect(screen.getByLabelText('Status')).toHaveValue('completed');
  });
});

describe('dayAfter', () => {
  it('ends a date filter at the next midnight, across months', () => {
    expect(dayAfter('2026-05-31')).toBe('2026-06-01T00:00:00Z');
    expect(dayAfter('2026-12-31')).toBe('2027-01-01T00:00:00Z');
  });
});
