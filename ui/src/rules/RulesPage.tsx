import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { QueryTable } from "../shared/QueryTable";
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
      <QueryTable
        query={rules}
        rows={rules.data}
        empty={t("rules.empty")}
        className="rules"
        columns={[
          t("rules.col.name"),
          t("rules.col.priority"),
          t("rules.col.enabled"),
          t("rules.col.live"),
          t("rules.col.newest"),
          t("rules.col.updated"),
        ]}
      >
        {(items) =>
          items.map((rule) => (
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
          ))
        }
      </QueryTable>
      {editable && rules.data && <ImportPanel rules={rules.data} />}
      <TestPanel />
    </section>
  );
}
