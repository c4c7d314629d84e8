import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, signedIn, USERS } from '../../test/fakeApi';
import { UsersCard } from './UsersCard';

function renderCard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <UsersCard />
        <span>page</span>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const roleOf = (email: string) => screen.getByLabelText(`Role of ${email}`) as HTMLSelectElement;

describe('UsersCard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("lets an admin change others' roles, but not an owner's, and not grant the owner role", async () => {
    const calls = fakeApi({
      'GET /me': () => signedIn(USERS.admin),
      'GET /users': () => ({ users: [USERS.owner, USERS.admin, USERS.editor] }),
      'PUT /users/3': () => ({ ...USERS.editor, role: 'viewer' }),
    });
    renderCard();
    await screen.findByTestId('users-table');
    const owner = roleOf('owner@example.com');
    expect(owner.disabled).toBe(true);
    expect(owner.title).toBe('Only an owner may change an owner.');
    const editor = roleOf('editor@example.com');
    expect(editor.disabled).toBe(false);
    expect([...editor.options].map((o) => o.value)).toEqual(['viewer', 'editor', 'admin']);
    const mine = screen.getByTestId('user-row-admin@example.com');
    expect(mine).toHaveTextContent('you');
    expect(within(mine).getByRole('button', { name: 'Remove…' })).toBeDisabled();

    await userEvent.selectOptions(editor, 'viewer');
    await waitFor(() => {
      expect(calls.find((c) => c.call === 'PUT /users/3')?.body).toEqual({ role: 'viewer' });
    });
  });

  it('adds a user with a role and a first password', async () => {
    const calls = fakeApi({
      'GET /me': () => signedIn(USERS.owner),
      'GET /users': () => ({ users: [USERS.owner] }),
      'POST /users': (body) => ({ ...(body as object), id: 9, created_at: '2026-05-05T00:00:00Z' }),
    });
    renderCard();
    await screen.findByTestId('users-table');
    const only = roleOf('owner@example.com');
    expect(only.disabled).toBe(true);
    expect(only.title).toBe('The only owner keeps the role: make another owner first.');

    await userEvent.click(screen.getByTestId('add-user'));
    const dialog = screen.getByRole('dialog', { name: 'Add a user' });
    await userEvent.type(within(dialog).getByLabelText('Email'), 'new@example.com');
    await userEvent.selectOptions(within(dialog).getByLabelText('Role'), 'viewer');
    expect(within(dialog).getByText('Reads pipelines, runs, triggers and files.')).toBeInTheDocument();
    await userEvent.type(within(dialog).getByLabelText('Password'), 'first password');
    await userEvent.type(within(dialog).getByLabelText('Password again'), 'first password');
    await userEvent.click(within(dialog).getByTestId('add-user-confirm'));
    await waitFor(() => {
      expect(screen.queryByRole('dialog')).toBeNull();
    });
    expect(calls.find((c) => c.call === 'POST /users')?.body).toEqual({ email: 'new@example.com', role: 'viewer', password: 'first password' });
  });

  it('is not there for an editor', async () => {
    const calls = fakeApi({ 'GET /me': () => signedIn(USERS.editor) });
    renderCard();
    await waitFor(() => {
      expect(calls.map((c) => c.call)).toContain('GET /me');
    });
    await screen.findByText('page');
    expect(screen.queryByTestId('users-card')).toBeNull();
    expect(calls.map((c) => c.call)).not.toContain('GET /users');
  });
});
