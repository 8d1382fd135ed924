import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { AgentStatusBadge, HeartbeatAge } from "./AgentStatusBadge";
import { agentListQuery } from "./queries";

/** Every agent: liveness, version, labels, roots, spool depth, last error, heartbeat age. */
export function AgentsPage() {
  const { t } = useI18n();
  const agents = useQuery(agentListQuery());
  return (
    <section>
      <div className="page-title">
        <h1>{t("agents.title")}</h1>
      </div>
      {agents.isPending && <p className="muted">{t("common.loading")}</p>}
      {agents.isError && <ErrorNotice error={agents.error} onRetry={() => agents.refetch()} />}
      {agents.data && agents.data.length === 0 && <p className="empty">{t("agents.empty")}</p>}
      {agents.data && agents.data.length > 0 && (
        <div className="table-scroll">
          <table className="agents stacked">
            <thead>
              <tr>
                <th scope="col">{t("agents.col.agent")}</th>
                <th scope="col">{t("agents.col.status")}</th>
                <th scope="col">{t("agents.col.heartbeat")}</th>
                <th scope="col" className="optional">
                  {t("agents.col.version")}
                </th>
                <th scope="col" className="optional">
                  {t("agents.col.labels")}
                </th>
                <th scope="col" className="optional">
                  {t("agents.col.roots")}
                </th>
                <th scope="col" className="num">
                  {t("agents.col.spool")}
                </th>
                <th scope="col">{t("agents.col.lastError")}</th>
              </tr>
            </thead>
            <tbody>
              {agents.data.map((agent) => (
                <tr key={agent.id} data-agent-id={agent.id}>
                  <td className="file">
                    <Link to={`/agents/${encodeURIComponent(agent.id)}`}>{agent.id}</Link>
                    <div className="muted">{agent.hostname}</div>
                  </td>
                  <td>
                    <AgentStatusBadge status={agent.status} />
                  </td>
                  <td>
                    <HeartbeatAge at={agent.last_heartbeat_at} />
                  </td>
                  <td className="optional">{agent.version}</td>
                  <td className="optional">
                    <Labels labels={agent.labels} />
                  </td>
                  <td className="optional">{(agent.roots ?? []).join(", ")}</td>
                  <td className="num">{t("agents.spooled", { count: agent.spool_depth })}</td>
                  <td className="message">
                    {agent.last_error && <span className="error-line">{agent.last_error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function Labels({ labels }: { labels: Record<string, string> | undefined }) {
  return (
    <>
      {Object.entries(labels ?? {}).map(([key, value]) => (
        <code key={key} className="label">
          {key}={value}
        </code>
      ))}
    </>
  );
}
