// A list of rule sets or Alertmanager configs: live and newest version, the targets each
// reaches; operators and admins get a "New" link to an empty editor.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { Labels } from "../agents/AgentsPage";
import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
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
      {docs.isPending && <p className="muted">{t("common.loading")}</p>}
      {docs.isError && <ErrorNotice error={docs.error} onRetry={() => docs.refetch()} />}
      {docs.data && docs.data.length === 0 && <p className="empty">{t("config.noDocs")}</p>}
      {docs.data && docs.data.length > 0 && (
        <div className="table-scroll">
          <table className="config-docs">
            <thead>
              <tr>
                <th scope="col">{t("config.col.name")}</th>
                <th scope="col">{t("config.col.labels")}</th>
                <th scope="col">{t("config.col.live")}</th>
                <th scope="col">{t("config.col.latest")}</th>
                <th scope="col">{t("config.col.targets")}</th>
              </tr>
            </thead>
            <tbody>
              {docs.data.map((doc) => (
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
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
