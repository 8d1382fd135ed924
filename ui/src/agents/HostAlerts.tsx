// The host's own alerts that fire now (disk, inodes, memory, load thresholds and log keyword
// rules, all sent by this agent): refreshed by the live stream's alert group changes, and
// every 30 s in case the alert's route groups nothing.

import { queryOptions, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { api, unwrap } from "../api/client";
import { labelText } from "../alerts/AlertsPage";
import { alertKeys } from "../alerts/queries";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";

const hostAlertsQuery = (agentId: string) =>
  queryOptions({
    queryKey: [...alertKeys.lists(), { agent: agentId }] as const,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/alerts", {
          params: {
            query: { status: "firing", source: "agent", match: [`agent=${agentId}`], limit: 50 },
          },
          signal,
        }),
      ),
    refetchInterval: 30_000,
  });

export function HostAlerts({ agentId }: { agentId: string }) {
  const { t } = useI18n();
  const alerts = useQuery(hostAlertsQuery(agentId));
  return (
    <section className="card host-alerts" aria-labelledby="host-alerts">
      <h2 id="host-alerts">{t("agents.alerts")}</h2>
      {alerts.isError && <ErrorNotice error={alerts.error} onRetry={() => alerts.refetch()} />}
      {alerts.data && alerts.data.items.length === 0 && (
        <p className="muted">{t("agents.noAlerts")}</p>
      )}
      {alerts.data && alerts.data.items.length > 0 && (
        <ul className="host-alert-list">
          {alerts.data.items.map((alert) => (
            <li key={alert.fingerprint} data-alertname={String(alert.labels?.alertname ?? "")}>
              <span className="badge badge-alert-firing">{t("alerts.firing")}</span>{" "}
              <Link to={`/alerts/${alert.fingerprint}`}>
                {String(alert.labels?.alertname ?? alert.fingerprint)}
              </Link>{" "}
              {alert.severity && <span className="muted">{alert.severity}</span>}{" "}
              <code>{labelText(alert.labels)}</code>{" "}
              <span className="muted">
                {t("agents.alertSince")} <Time iso={alert.starts_at} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
