// Routes of the UI. Heavy pages (CodeMirror, React Flow, xterm) load on first visit.
import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, RouterProvider, useParams } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useSignedOutWatch } from './api/auth';
import { ApiError } from './api/client';
import { Layout } from './components/Layout';
import { Loading } from './components/ui';
import { PipelinesPage } from './pages/PipelinesPage';
import { TriggersPage } from './pages/TriggersPage';
import { RunsPage } from './pages/RunsPage';
import { ActivityPage } from './pages/ActivityPage';
import { BackfillsPage } from './pages/backfills/BackfillsPage';
import { SettingsPage } from './pages/SettingsPage';
import { SignInPage } from './pages/SignInPage';
import { DataProductsPage } from './pages/DataProductsPage';
import { NotFoundPage } from './pages/NotFoundPage';

const PipelineEditorPage = lazy(() => import('./pages/PipelineEditorPage'));
const RunPage = lazy(() => import('./pages/RunPage'));
const TriggerPage = lazy(() => import('./pages/TriggerPage'));
const FilesPage = lazy(() => import('./pages/FilesPage'));
const TerminalPage = lazy(() => import('./pages/TerminalPage'));
const OverviewPage = lazy(() => import('./pages/OverviewPage'));
const PipelineStatsPage = lazy(() => import('./pages/PipelineStatsPage'));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function PipelineHome() {
  const { uuid = '' } = useParams();
  return <Navigate to={`/pipelines/${encodeURIComponent(uuid)}/triggers`} replace />;
}

const routes = [
  { path: '/sign-in', element: <SignInPage /> },
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: <Lazy><OverviewPage /></Lazy> },
      { path: 'overview', element: <Navigate to="/" replace /> },
      { path: 'pipelines', element: <PipelinesPage /> },
      { path: 'pipelines/:uuid', element: <PipelineHome /> },
      { path: 'pipelines/:uuid/edit', element: <Lazy><PipelineEditorPage /></Lazy> },
      { path: 'pipelines/:uuid/triggers', element: <TriggersPage /> },
      { path: 'pipelines/:uuid/triggers/new', element: <Lazy><TriggerPage /></Lazy> },
      { path: 'pipelines/:uuid/runs', element: <RunsPage /> },
      { path: 'pipelines/:uuid/stats', element: <Lazy><PipelineStatsPage /></Lazy> },
      { path: 'pipelines/:uuid/activity', element: <ActivityPage /> },
      { path: 'pipelines/:uuid/backfills', element: <BackfillsPage /> },
      { path: 'triggers', element: <TriggersPage /> },
      { path: 'triggers/new', element: <Lazy><TriggerPage /></Lazy> },
      { path: 'triggers/:id', element: <Lazy><TriggerPage /></Lazy> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'runs/:id', element: <Lazy><RunPage /></Lazy> },
      { path: 'data-products', element: <DataProductsPage /> },
      { path: 'files', element: <Lazy><FilesPage /></Lazy> },
      { path: 'terminal', element: <Lazy><TerminalPage /></Lazy> },
      { path: 'settings', element: <SettingsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        refetchOnWindowFocus: true,
        // A 4xx will not get better by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}

const queryClient = makeQueryClient();
const router = createBrowserRouter(routes);

/** Any 401 marks the user signed out; the layout then sends the page to sign-in. */
function SignedOutWatch() {
  useSignedOutWatch();
  return null;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SignedOutWatch />
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
