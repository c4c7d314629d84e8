import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, fakeApi, signedIn, USERS } from '../test/fakeApi';
import { SignInPage } from './SignInPage';

function Where() {
  const location = useLocation();
  return <div data-testid="where">{location.pathname + location.search}</div>;
}

function renderAt(path: string, extra?: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="*" element={<Where />} />
        </Routes>
        {extra}
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

async function fill(email: string, password: string) {
  await userEvent.type(await screen.findByLabelText('Email'), email);
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInPage', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('says a wrong password plainly, a lock-out as a wait, and then returns to the page wanted', async () => {
    let attempt = 0;
    const calls = fakeApi({
      'GET /me': () => ({ user: null, via: null, sign_in_required: true }),
      'POST /sessions': () => {
        attempt += 1;
        if (attempt === 1) return apiError(401, 'unauthorized', 'wrong email or password');
        if (attempt === 2) return apiError(429, 'too_many_attempts', 'too many failed sign-ins for this email; try again in 15 minutes');
        return USERS.editor;
      },
    });
    renderAt('/sign-in?next=%2Fruns%2F4%3Ftab%3Dlog');
    await fill('editor@example.com', 'not it');
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('Wrong email or password.');
    const password = screen.getByLabelText('Password');
    expect(password).toHaveValue('');
    expect(password).toHaveFocus();

    await userEvent.type(password, 'not it{Enter}');
    expect(await screen.findByText('Too many failed sign-ins for this email; try again in 15 minutes.')).toBeInTheDocument();

    await userEvent.type(password, 'not it');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('where')).toHaveTextContent('/runs/4?tab=log');
    expect(calls.filter((c) => c.call === 'POST /sessions').map((c) => c.body)).toEqual([
      { email: 'editor@example.com', password: 'not it' },
      { email: 'editor@example.com', password: 'not it' },
      { email: 'editor@example.com', password: 'not it' },
    ]);
  });

  it('sends a signed-in user on, and never to another site', async () => {
    fakeApi({ 'GET /me': () => signedIn(USERS.viewer) });
    renderAt('/sign-in?next=https%3A%2F%2Fevil.example%2F');
    expect(await screen.findByTestId('where')).toHaveTextContent('/pipelines');
  });

  it('offers to create the owner where no one signs in yet', async () => {
    let me: unknown = { user: null, via: null, sign_in_required: false };
    const calls = fakeApi({
      'GET /me': () => me,
      'POST /users': () => {
        me = signedIn(USERS.owner);
        return USERS.owner;
      },
      'POST /sessions': () => USERS.owner,
    });
    renderAt('/sign-in?next=%2Ffiles');
    expect(await screen.findByText('No sign-in needed yet')).toBeInTheDocument();
    await userEvent.click(screen.getByText('Create the owner account now'));
    await userEvent.type(screen.getByLabelText('Email'), 'owner@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.type(screen.getByLabelText('Password again'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Create owner and sign in' }));
    expect(screen.getByText('At least 8 characters (5 so far).')).toBeInTheDocument();
    expect(calls.some((c) => c.call === 'POST /users')).toBe(false);

    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.type(screen.getByLabelText('Password'), 'a long password');
    await userEvent.clear(screen.getByLabelText('Password again'));
    await userEvent.type(screen.getByLabelText('Password again'), 'a long password');
    await userEvent.click(screen.getByRole('button', { name: 'Create owner and sign in' }));
    expect(await screen.findByTestId('where')).toHaveTextContent('/files');
    expect(calls.find((c) => c.call === 'POST /users')?.body).toEqual({ email: 'owner@example.com', password: 'a long password', role: 'owner' });
  });
});
