import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useSignedOutWatch } from '../api/auth';
import { usePipelines } from '../api/pipelines';
import { apiError, fakeApi, signedIn, USERS } from '../test/fakeApi';
import { Layout } from './Layout';

function Where() {
  const location = useLocation();
  return <div data-testid="where">{location.pathname + location.search}</div>;
}

function Pipelines() {
  const list = usePipelines();
  return <div data-testid="pipelines">{list.data ? `${String(list.data.length)} pipelines` : 'loading'}</div>;
}

function Watch() {
  useSignedOutWatch();
  return null;
}

function renderApp(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: '/sign-in', element: <Where /> },
      { path: '/', element: <Layout />, children: [{ path: 'pipelines', element: <Pipelines /> }] },
    ],
    { initialEntries: [path] },
  );
  render(
    <QueryClientProvider client={client}>
      <Watch />
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

const project = { name: 'spellbook', root: '/p', data_dir: '/d', database: 'sqlite', version: '0.1.0', pipelines: 1 };

describe('Layout and signing in', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('sends a page to sign-in when a call answers 401, keeping the page wanted', async () => {
    let sessionEnded = false;
    fakeApi({
      'GET /me': () => (sessionEnded ? { user: null, via: null, sign_in_required: true } : signedIn(USERS.viewer)),
      'GET /project': () => project,
      'GET /pipelines': () => {
        sessionEnded = true;
        return apiError(401, 'unauthorized', 'sign in first');
      },
    });
    renderApp('/pipelines?q=x');
    expect(await screen.findByTestId('where')).toHaveTextContent('/sign-in?next=%2Fpipelines%3Fq%3Dx');
  });

  it('shows who is signed in and signs out from the user menu', async () => {
    let signedOut = false;
    const calls = fakeApi({
      'GET /me': () => (signedOut ? { user: null, via: null, sign_in_required: true } : signedIn(USERS.editor)),
      'GET /project': () => project,
      'GET /pipelines': () => [],
      'DELETE /sessions': () => {
        signedOut = true;
        return undefined;
      },
    });
    renderApp('/pipelines');
    expect(await screen.findByText('0 pipelines')).toBeInTheDocument();
    const menu = screen.getByTestId('user-menu');
    expect(menu).toHaveTextContent('editor@example.com');
    expect(within(menu).getByTestId('user-role')).toHaveTextContent('editor');
    await userEvent.click(menu);
    expect(screen.getByRole('menuitem', { name: 'Change password…' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('menuitem', { name: 'Sign out' }));
    expect(await screen.findByTestId('where')).toHaveTextContent('/sign-in?next=%2Fpipelines');
    expect(calls.map((c) => c.call)).toContain('DELETE /sessions');
  });

  it('offers to create the owner, quietly, where no one signs in yet', async () => {
    fakeApi({
      'GET /me': () => ({ user: null, via: null, sign_in_required: false }),
      'GET /project': () => project,
      'GET /pipelines': () => [],
    });
    renderApp('/pipelines');
    expect(await screen.findByTestId('open-access')).toHaveTextContent('No sign-in needed');
    await userEvent.click(screen.getByTestId('offer-owner'));
    expect(screen.getByRole('dialog', { name: 'Create the owner account' })).toBeInTheDocument();
    expect(screen.queryByTestId('user-menu')).toBeNull();
  });
});
