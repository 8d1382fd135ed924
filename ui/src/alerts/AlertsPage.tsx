// Alerts: the newest reported first, filtered by status; each links to its detail.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { QueryTable } from "../shared/QueryTable";
import { Time } from "../shared/Time";
import "./alerts.css";
import { alertListQuery, type AlertStatusFilter } from "./queries";

export function AlertsPage() {
  const { t } = useI18n();
  const [status, setStatus] = useState<AlertStatusFilter>("firing");
  const [cursors, setCursors] = useState<string[]>([]);
  const alerts = useQuery(alertListQuery(status, cursors.at(-1)));
  return (
    <section className="alerts">
      <div className="page-title">
        <h1>{t("alerts.title")}</h1>
      </div>
      <div className="row">
        <label className="field">
          <span>{t("alerts.status")}</span>
          <select
            value={status ?? ""}
            onChange={(e) => {
              setStatus((e.target.value || undefined) as AlertStatusFilter);
              setCursors([]);
            }}
          >
            <option value="">{t("silences.state.all")}</option>
            <option value="firing">{t("alerts.firing")}</option>
            <option value="resolved">{t("alerts.resolved")}</option>
          </select>
        </label>
      </div>
      <QueryTable
        query={alerts}
        rows={alerts.data?.items}
        empty={t("alerts.empty")}
        className="alert-list"
        columns={[
          t("alerts.col.name"),
          t("alerts.status"),
          t("alerts.col.severity"),
          t("alerts.col.labels"),
          t("alerts.col.lastSeen"),
        ]}
      >
        {(items) =>
          items.map((alert) => (
            <tr key={alert.fingerprint}>
              <td>
                <Link to={`/alerts/${alert.fingerprint}`}>
                  {String(alert.labels?.alertname ?? alert.fingerprint)}
                </Link>
              </td>
              <td>
                <span className={`badge badge-alert-${alert.status}`}>
                  {alert.status === "firing" ? t("alerts.firing") : t("alerts.resolved")}
                </span>
              </td>
              <td>{alert.severity}</td>
              <td>
                <code>{labelText(alert.labels)}</code>
              </td>
              <td>
                <Time iso={alert.last_seen_at} />
              </td>
            </tr>
          ))
        }
      </QueryTable>
      <div className="pager">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
            {t("silences.newer")}
          </button>
        )}
        {alerts.data?.next_cursor && (
          <button
            type="button"
            onClick={() => setCursors([...cursors, alerts.data?.next_cursor ?? ""])}
          >
            {t("silences.older")}
          </button>
        )}
      </div>
    </section>
  );
}

export function labelText(labels: Record<string, unknown> = {}): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(", ");
}
