import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { createBrowserRouter } from 'react-router';
import { AppShell } from './pages/AppShell.tsx';
import { FlowListPage } from './pages/FlowListPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { LoadingState } from './components/Spinner.tsx';

/**
 * Every page but the flow list (the first screen) and the login is its own chunk, loaded when it is
 * first opened: the editor with React Flow and the layout engine, the run, report and review pages.
 */
function page<K extends string>(load: () => Promise<{ [P in K]: ComponentType }>, name: K) {
  const Page = lazy(async () => ({ default: (await load())[name] as ComponentType }));
  return (): ReactNode => (
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <Page />
    </Suspense>
  );
}
const EditorPage = page(() => import('./pages/EditorPage.tsx'), 'EditorPage');
const RunsPage = page(() => import('./pages/RunsPage.tsx'), 'RunsPage');
const RunViewPage = page(() => import('./pages/RunViewPage.tsx'), 'RunViewPage');
const ReportPage = page(() => import('./pages/ReportPage.tsx'), 'ReportPage');
const ReviewPage = page(() => import('./review/ReviewPage.tsx'), 'ReviewPage');
const CredentialsPage = page(() => import('./credentials/CredentialsPage.tsx'), 'CredentialsPage');
const StoragePage = page(() => import('./pages/StoragePage.tsx'), 'StoragePage');
const SuppressionPage = page(() => import('./tracking/SuppressionPage.tsx'), 'SuppressionPage');
const MonitoringPage = page(() => import('./monitoring/MonitoringPage.tsx'), 'MonitoringPage');

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: <AppShell />,
    children: [
      { index: true, element: <FlowListPage /> },
      { path: 'flows/:id', element: <EditorPage /> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'runs/:id', element: <RunViewPage /> },
      { path: 'runs/:id/report', element: <ReportPage /> },
      { path: 'review', element: <ReviewPage /> },
      { path: 'credentials', element: <CredentialsPage /> },
      { path: 'storage', element: <StoragePage /> },
      { path: 'suppression', element: <SuppressionPage /> },
      { path: 'monitoring', element: <MonitoringPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
