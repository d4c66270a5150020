import { createBrowserRouter } from 'react-router';
import { AppShell } from './pages/AppShell.tsx';
import { FlowListPage } from './pages/FlowListPage.tsx';
import { EditorPage } from './pages/EditorPage.tsx';
import { RunsPage } from './pages/RunsPage.tsx';
import { RunViewPage } from './pages/RunViewPage.tsx';
import { ReportPage } from './pages/ReportPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { ReviewPage } from './review/ReviewPage.tsx';
import { CredentialsPage } from './credentials/CredentialsPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { StoragePage } from './pages/StoragePage.tsx';

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
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
