import { useState } from "react";
import { NavLink, Outlet } from "react-router";

import { useI18n } from "../i18n/I18n";
import { LanguageSelect } from "../i18n/LanguageSelect";
import { LiveStatus } from "../live/LiveStatus";
import { canReadAudit, isAdmin } from "../session/roles";
import { usePrincipal, useSession } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { ThemeSelect } from "../theme/ThemeSelect";

/** The frame of every signed-in page: navigation, who is signed in, settings, sign out. */
export function AppShell() {
  const { t } = useI18n();
  const principal = usePrincipal();
  const { signOut } = useSession();
  const [failure, setFailure] = useState<unknown>();

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="shell-header">
        <span className="brand">{t("app.name")}</span>
        <nav aria-label={t("nav.label")}>
          <NavLink to="/overview">{t("nav.overview")}</NavLink>
          <NavLink to="/tasks">{t("nav.tasks")}</NavLink>
          <NavLink to="/files">{t("nav.files")}</NavLink>
          <NavLink to="/rules">{t("nav.rules")}</NavLink>
          <NavLink to="/alerts" end>
            {t("nav.alerts")}
          </NavLink>
          <NavLink to="/alerts/groups">{t("nav.alertGroups")}</NavLink>
          <NavLink to="/alerts/routing">{t("nav.routing")}</NavLink>
          <NavLink to="/alerts/silences">{t("nav.silences")}</NavLink>
          <NavLink to="/tickets">{t("nav.tickets")}</NavLink>
          <NavLink to="/knowledge">{t("nav.knowledge")}</NavLink>
          <NavLink to="/agents">{t("nav.agents")}</NavLink>
          <NavLink to="/channels">{t("nav.channels")}</NavLink>
          <span className="nav-section" aria-hidden="true">
            {t("nav.configSync")}:
          </span>
          <NavLink to="/config/rule-sets" title={t("nav.configSync")}>
            {t("nav.ruleSets")}
          </NavLink>
          <NavLink to="/config/alertmanager-configs" title={t("nav.configSync")}>
            {t("nav.amConfigs")}
          </NavLink>
          <NavLink to="/config/targets" title={t("nav.configSync")}>
            {t("nav.targets")}
          </NavLink>
          {canReadAudit(principal.role) && <NavLink to="/audit">{t("nav.audit")}</NavLink>}
          {isAdmin(principal.role) && <NavLink to="/tokens">{t("nav.tokens")}</NavLink>}
          <a href="/docs">{t("nav.apiDocs")}</a>
        </nav>
        <div className="shell-tools">
          <LiveStatus />
          <span className="principal" data-testid="principal">
            {t("shell.signedInAs", { name: principal.name })}{" "}
            <span className={`role role-${principal.role}`}>{t(`role.${principal.role}`)}</span>
          </span>
          <LanguageSelect />
          <ThemeSelect />
          <button type="button" onClick={() => signOut().catch(setFailure)}>
            {t("shell.signOut")}
          </button>
        </div>
      </header>
      {failure !== undefined && <ErrorNotice error={failure} />}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
