import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";

import { useI18n } from "./i18n/I18n";
import { LiveUpdates } from "./live/LiveUpdates";
import { useSession } from "./session/Session";
import { SignInPage } from "./session/SignInPage";
import { AppShell } from "./shell/AppShell";
import { NotFoundPage } from "./shell/NotFoundPage";
import { TaskDetailPage } from "./tasks/TaskDetailPage";
import { TasksPage } from "./tasks/TasksPage";

// The rule pages (and CodeMirror with them) load when first opened, not with the console.
const RulesPage = lazy(() => import("./rules/RulesPage").then((m) => ({ default: m.RulesPage })));
const RuleEditorPage = lazy(() =>
  import("./rules/RuleEditorPage").then((m) => ({ default: m.RuleEditorPage })),
);
// The alert pages share the rules' editor (CodeMirror): loaded with their routes too.
const RoutingPage = lazy(() =>
  import("./alerts/RoutingPage").then((m) => ({ default: m.RoutingPage })),
);
const AlertsPage = lazy(() =>
  import("./alerts/AlertsPage").then((m) => ({ default: m.AlertsPage })),
);
const AlertDetailPage = lazy(() =>
  import("./alerts/AlertDetailPage").then((m) => ({ default: m.AlertDetailPage })),
);
const AlertGroupsPage = lazy(() =>
  import("./alerts/AlertGroupsPage").then((m) => ({ default: m.AlertGroupsPage })),
);
const AlertGroupPage = lazy(() =>
  import("./alerts/AlertGroupPage").then((m) => ({ default: m.AlertGroupPage })),
);
const SilencesPage = lazy(() =>
  import("./alerts/SilencesPage").then((m) => ({ default: m.SilencesPage })),
);
// The overview carries ECharts: loaded with its route, so the first page stays small.
const OverviewPage = lazy(() => import("./overview/OverviewPage"));
// The other pages load with their routes too (the agent page brings CodeMirror).
const FilesPage = lazy(() => import("./files/FilesPage").then((m) => ({ default: m.FilesPage })));
const FilePage = lazy(() => import("./files/FilePage").then((m) => ({ default: m.FilePage })));
const AgentsPage = lazy(() =>
  import("./agents/AgentsPage").then((m) => ({ default: m.AgentsPage })),
);
const AgentPage = lazy(() => import("./agents/AgentPage").then((m) => ({ default: m.AgentPage })));
const ChannelsPage = lazy(() =>
  import("./channels/ChannelsPage").then((m) => ({ default: m.ChannelsPage })),
);
const KnowledgePage = lazy(() =>
  import("./knowledge/KnowledgePage").then((m) => ({ default: m.KnowledgePage })),
);
const EntryPage = lazy(() =>
  import("./knowledge/EntryPage").then((m) => ({ default: m.EntryPage })),
);
const TicketsPage = lazy(() =>
  import("./tickets/TicketsPage").then((m) => ({ default: m.TicketsPage })),
);
const TicketPage = lazy(() =>
  import("./tickets/TicketPage").then((m) => ({ default: m.TicketPage })),
);
const DocumentsPage = lazy(() =>
  import("./configsync/DocumentsPage").then((m) => ({ default: m.DocumentsPage })),
);
const DocumentPage = lazy(() =>
  import("./configsync/DocumentPage").then((m) => ({ default: m.DocumentPage })),
);
const TargetsPage = lazy(() =>
  import("./configsync/TargetsPage").then((m) => ({ default: m.TargetsPage })),
);
const TargetPage = lazy(() =>
  import("./configsync/TargetPage").then((m) => ({ default: m.TargetPage })),
);
const AuditPage = lazy(() => import("./audit/AuditPage").then((m) => ({ default: m.AuditPage })));
const TokensPage = lazy(() =>
  import("./tokens/TokensPage").then((m) => ({ default: m.TokensPage })),
);

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
          <Route path="overview" element={<Lazy page={<OverviewPage />} />} />
          <Route path="tasks" element={<TasksPage />} />
          <Route path="tasks/:taskId" element={<TaskDetailPage />} />
          <Route path="rules" element={<Lazy page={<RulesPage />} />} />
          <Route path="rules/:ruleId" element={<Lazy page={<RuleEditorPage />} />} />
          <Route path="alerts" element={<Lazy page={<AlertsPage />} />} />
          <Route path="alerts/routing" element={<Lazy page={<RoutingPage />} />} />
          <Route path="alerts/silences" element={<Lazy page={<SilencesPage />} />} />
          <Route path="alerts/groups" element={<Lazy page={<AlertGroupsPage />} />} />
          <Route path="alerts/groups/:groupId" element={<Lazy page={<AlertGroupPage />} />} />
          <Route path="alerts/:fingerprint" element={<Lazy page={<AlertDetailPage />} />} />
          <Route path="knowledge" element={<Lazy page={<KnowledgePage />} />} />
          <Route path="knowledge/:entryId" element={<Lazy page={<EntryPage />} />} />
          <Route path="tickets" element={<Lazy page={<TicketsPage />} />} />
          <Route path="tickets/board" element={<Lazy page={<TicketsPage board />} />} />
          <Route path="tickets/:ticketId" element={<Lazy page={<TicketPage />} />} />
          <Route path="files" element={<Lazy page={<FilesPage />} />} />
          <Route path="files/:fileId" element={<Lazy page={<FilePage />} />} />
          <Route path="agents" element={<Lazy page={<AgentsPage />} />} />
          <Route path="agents/:agentId" element={<Lazy page={<AgentPage />} />} />
          <Route path="channels" element={<Lazy page={<ChannelsPage />} />} />
          <Route
            path="config/rule-sets"
            element={<Lazy page={<DocumentsPage kind="rule-sets" />} />}
          />
          <Route
            path="config/rule-sets/:name"
            element={<Lazy page={<DocumentPage kind="rule-sets" />} />}
          />
          <Route
            path="config/alertmanager-configs"
            element={<Lazy page={<DocumentsPage kind="alertmanager-configs" />} />}
          />
          <Route
            path="config/alertmanager-configs/:name"
            element={<Lazy page={<DocumentPage kind="alertmanager-configs" />} />}
          />
          <Route path="config/targets" element={<Lazy page={<TargetsPage />} />} />
          <Route path="config/targets/:name" element={<Lazy page={<TargetPage />} />} />
          <Route path="audit" element={<Lazy page={<AuditPage />} />} />
          <Route path="tokens" element={<Lazy page={<TokensPage />} />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </LiveUpdates>
  );
}

function Lazy({ page }: { page: ReactNode }) {
  const { t } = useI18n();
  return <Suspense fallback={<p className="muted">{t("common.loading")}</p>}>{page}</Suspense>;
}
