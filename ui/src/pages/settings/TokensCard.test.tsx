import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiToken } from '../../api/client';
import { fakeApi, signedIn, USERS } from '../../test/fakeApi';
import { TokensCard } from './TokensCard';

function renderCard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <TokensCard />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const ci: ApiToken = { id: 5, name: 'ci', created_at: '2026-05-01T10:00:00Z', expires_at: null, last_used_at: null };

describe('TokensCard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('makes a token whose value is shown once, and revokes one', async () => {
    let tokens: ApiToken[] = [ci];
    const calls = fakeApi({
      'GET /me': () => signedIn(USERS.viewer),
      'GET /tokens': () => ({ tokens }),
      'POST /tokens': () => {
        const made: ApiToken = { id: 6, name: 'airflow', created_at: '2026-05-02T10:00:00Z', expires_at: '2026-07-31T10:00:00Z', last_used_at: null };
        tokens = [...tokens, made];
        return { token: made, value: 'wand_t_0123456789abcdef' };
      },
      'DELETE /tokens/5': () => {
        tokens = tokens.filter((t) => t.id !== 5);
        return undefined;
      },
    });
    renderCard();
    const row = await screen.findByTestId('token-row-ci');
    expect(row).toHaveTextContent('Never');

    await userEvent.click(screen.getByTestId('new-token'));
    await userEvent.type(screen.getByLabelText('Name'), 'airflow');
    await userEvent.click(screen.getByTestId('create-token'));
    expect(await screen.findByTestId('new-token-value')).toHaveTextContent('wand_t_0123456789abcdef');
    expect(screen.getByText('Copy it now.')).toBeInTheDocument();
    expect(calls.find((c) => c.call === 'POST /tokens')?.body).toEqual({ name: 'airflow', expires_in_days: 90 });
    await userEvent.click(screen.getByTestId('token-done'));
    expect(await screen.findByTestId('token-row-airflow')).toBeInTheDocument();
    expect(screen.queryByText('wand_t_0123456789abcdef')).toBeNull();

    await userEvent.click(within(screen.getByTestId('token-row-ci')).getByRole('button', { name: 'Revoke…' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => {
      expect(screen.queryByTestId('token-row-ci')).toBeNull();
    });
  });

  it('has nothing to list before the owner exists', async () => {
    const calls = fakeApi({ 'GET /me': () => ({ user: null, via: null, sign_in_required: false }) });
    renderCard();
    expect(await screen.findByText(/API tokens belong to a user/)).toBeInTheDocument();
    expect(screen.queryByTestId('new-token')).toBeNull();
    expect(calls.map((c) => c.call)).not.toContain('GET /tokens');
  });
});
