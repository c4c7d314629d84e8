import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretsCard } from './SecretsCard';

const listed = {
  secrets: [{ name: 'pg_password', created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-02T10:00:00Z', updated_by: 'ada@example.com' }],
  min_masked_chars: 5,
};

/** A fake server: `GET /secrets` answers `list` with `status`; every request is recorded with its body. */
function fakeServer(status = 200, list: unknown = listed) {
  const calls: { call: string; body: string }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname.replace('/api/v1', '');
      calls.push({ call: `${request.method} ${path}`, body: await request.text() });
      const body =
        status !== 200 ? { error: { code: 'forbidden', message: 'admins only' } } : request.method === 'GET' ? list : { name: 'api_token' };
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

function renderCard(): void {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  render(<SecretsCard />, { wrapper });
}

describe('SecretsCard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('lists names and who set them, and sends a value once without ever showing it', async () => {
    const calls = fakeServer();
    renderCard();
    await screen.findByText('pg_password');
    expect(screen.getByText('ada@example.com')).toBeTruthy();
    await userEvent.type(screen.getByLabelText('Name'), 'api_token');
    const value = screen.getByLabelText('Value') as HTMLInputElement;
    expect(value.type).toBe('password');
    await userEvent.type(value, 'abc');
    expect(screen.getByText(/will not be hidden in logs/)).toBeTruthy();
    await userEvent.type(value, 'defgh');
    await userEvent.click(screen.getByRole('button', { name: 'Add secret' }));
    await screen.findByText('Saved api_token.');
    expect(calls.find((c) => c.call === 'PUT /secrets/api_token')?.body).toBe('{"value":"abcdefgh"}');
    expect(value.value).toBe('');
    expect(document.body.textContent).not.toContain('abcdefgh');
  });

  it('says a name must be plain and offers to replace an existing one', async () => {
    fakeServer();
    renderCard();
    await screen.findByText('pg_password');
    await userEvent.type(screen.getByLabelText('Name'), 'bad name');
    expect(screen.getByText(/Letters, digits/)).toBeTruthy();
    await userEvent.clear(screen.getByLabelText('Name'));
    await userEvent.type(screen.getByLabelText('Name'), 'pg_password');
    await userEvent.type(screen.getByLabelText('Value'), 'another-value');
    expect(screen.getByRole('button', { name: 'Replace value' })).toBeTruthy();
  });

  it('is not shown to someone the server refuses', async () => {
    const calls = fakeServer(403);
    renderCard();
    await waitFor(() => {
      expect(calls.length).toBe(1);
    });
    await waitFor(() => {
      expect(screen.queryByTestId('secrets-card')).toBeNull();
    });
  });
});
