import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router";

import { useI18n } from "./i18n/I18n";
import { LiveUpdates } from "./live/LiveUpdates";
import { useSession } from "./session/Session";
import { SignInPage } from "./session/SignInPage";
import { AppShell } from "./shell/AppShell";
import { NotFoundPage } from "./shell/NotFoundPage";
import { TaskDetailPage } from "./tasks/TaskDetailPage";
import { TasksPage } from "./tasks/TasksPage";

// The overview carries ECharts: loaded with its route, so the first page stays small.
const OverviewPage = lazy(() => import("./overview/OverviewPage"));

/** The sign-in page until there is a session, then the pages (their paths stay shareable). */
export function App() {
  const { state } = useSession();
  const { t } = useI18n();
  if (state.status === "checking") {
    return <p className="loading">{t("signIn.loading")}</p>;
  }
  if (state.status === "signedOut") {
    return <SignInPage ended={state.ended} error={state.error} />;
  }
  return (
    <LiveUpdates>
      <Routes>
        <Route element={<AppShell />}>
          <Route index element={<Navigate to="/tasks" replace />} />
          <Route
            path="overview"
            element={
              <Suspense fallback={<p className="loading">{t("common.loading")}</p>}>
                <OverviewPage />
              </Suspense>
            }
          />
          <Route path="tasks" element={<TasksPage />} />
          <Route path="tasks/:taskId" element={<TaskDetailPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </LiveUpdates>
  );
}
