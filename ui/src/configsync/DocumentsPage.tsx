// A list of rule sets or Alertmanager configs: live and newest version, the targets each
// reaches; operators and admins get a "New" link to an empty editor.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { Labels } from "../agents/AgentsPage";
import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { QueryTable } from "../shared/QueryTable";
import { documentsQuery, type DocPath } from "./queries";

export function DocumentsPage({ kind }: { kind: DocPath }) {
  const { t } = useI18n();
  const docs = useQuery(documentsQuery(kind));
  const editable = canEditRules(usePrincipal().role);
  return (
    <section>
      <div className="page-title">
        <h1>{t(kind === "rule-sets" ? "config.ruleSets" : "config.amConfigs")}</h1>
        {editable && <Link to={`/config/${kind}/new`}>{t("config.new")}</Link>}
      </div>
      <QueryTable
        query={docs}
        rows={docs.data}
        empty={t("config.noDocs")}
        className="config-docs"
        columns={[
          t("config.col.name"),
          t("config.col.labels"),
          t("config.col.live"),
          t("config.col.latest"),
          t("config.col.targets"),
        ]}
      >
        {(items) =>
          items.map((doc) => (
            <tr key={doc.name} data-name={doc.name}>
              <td>
                <Link to={`/config/${kind}/${encodeURIComponent(doc.name)}`}>{doc.name}</Link>
              </td>
              <td>
                <Labels labels={doc.labels} />
              </td>
              <td>{doc.live_version ?? t("config.none")}</td>
              <td>{doc.latest_version}</td>
              <td>{doc.targets.join(", ")}</td>
            </tr>
          ))
        }
      </QueryTable>
    </section>
  );
}
