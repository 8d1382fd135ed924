import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { ImportPanel } from "./ImportPanel";
import { ruleListQuery } from "./queries";
import { TestPanel } from "./TestPanel";
import "./rules.css";

// A rule without `priority` gets this one (sluice/rules/spec.py).
const DEFAULT_PRIORITY = 100;

/** Every rule with its live and newest versions; create one, import a file, test a path. */
export function RulesPage() {
  const { t } = useI18n();
  const rules = useQuery(ruleListQuery());
  const editable = canEditRules(usePrincipal().role);
  return (
    <section>
      <div className="page-title">
        <h1>{t("rules.title")}</h1>
        {editable && (
          <Link to="/rules/new" className="button primary">
            {t("rules.new")}
          </Link>
        )}
      </div>
      {rules.isError && <ErrorNotice error={rules.error} onRetry={() => rules.refetch()} />}
      {rules.isPending && <p className="muted">{t("common.loading")}</p>}
      {rules.data && rules.data.length === 0 && <p className="muted">{t("rules.empty")}</p>}
      {rules.data && rules.data.length > 0 && (
        <div className="table-scroll">
          <table className="rules">
            <thead>
              <tr>
                <th>{t("rules.col.name")}</th>
                <th>{t("rules.col.priority")}</th>
                <th>{t("rules.col.enabled")}</th>
                <th>{t("rules.col.live")}</th>
                <th>{t("rules.col.newest")}</th>
                <th>{t("rules.col.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {rules.data.map((rule) => (
                <tr key={rule.id}>
                  <td>
                    <Link to={`/rules/${rule.id}`}>{rule.name}</Link>
                  </td>
                  <td>{String(rule.spec.priority ?? DEFAULT_PRIORITY)}</td>
                  <td>{rule.spec.enabled === false ? t("rules.no") : t("rules.yes")}</td>
                  <td>{rule.live_version ? `v${rule.live_version}` : t("rules.none")}</td>
                  <td>v{rule.latest_version}</td>
                  <td>
                    <Time iso={rule.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable && rules.data && <ImportPanel rules={rules.data} />}
      <TestPanel />
    </section>
  );
}
