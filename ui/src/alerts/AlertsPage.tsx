// Alerts: the newest reported first, filtered by status; each links to its detail.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
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
      {alerts.isError && <ErrorNotice error={alerts.error} onRetry={() => alerts.refetch()} />}
      {alerts.isPending && <p className="muted">{t("common.loading")}</p>}
      {alerts.data && alerts.data.items.length === 0 && (
        <p className="muted">{t("alerts.empty")}</p>
      )}
      {alerts.data && alerts.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="alert-list">
            <thead>
              <tr>
                <th>{t("alerts.col.name")}</th>
                <th>{t("alerts.status")}</th>
                <th>{t("alerts.col.severity")}</th>
                <th>{t("alerts.col.labels")}</th>
                <th>{t("alerts.col.lastSeen")}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.items.map((alert) => (
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
              ))}
            </tbody>
          </table>
        </div>
      )}
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
