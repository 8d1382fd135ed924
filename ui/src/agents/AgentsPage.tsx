import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { QueryTable } from "../shared/QueryTable";
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
      <QueryTable
        query={agents}
        rows={agents.data}
        empty={t("agents.empty")}
        className="agents stacked"
        columns={[
          t("agents.col.agent"),
          t("agents.col.status"),
          t("agents.col.heartbeat"),
          { label: t("agents.col.version"), className: "optional" },
          { label: t("agents.col.labels"), className: "optional" },
          { label: t("agents.col.roots"), className: "optional" },
          { label: t("agents.col.spool"), className: "num" },
          t("agents.col.lastError"),
        ]}
      >
        {(items) =>
          items.map((agent) => (
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
          ))
        }
      </QueryTable>
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
