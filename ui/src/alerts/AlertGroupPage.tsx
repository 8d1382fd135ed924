// One alert group: its state, the decisions (for roles that may take them), its AI analysis,
// the knowledge entries matched to it, its member alerts
// (each linking to the alert) and the timeline of what happened to them.

import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { eventKindLabel } from "../shared/eventKinds";
import { Fact } from "../shared/Fact";
import { Time } from "../shared/Time";
import "./alerts.css";
import { labelText } from "./AlertsPage";
import { GroupActions } from "./GroupActions";
import { GroupAnalysis } from "./GroupAnalysis";
import { GroupKnowledge } from "./GroupKnowledge";
import { OpenTicket } from "./OpenTicket";
import { AckedBy, GroupCounts, groupTitle } from "./GroupFacts";
import { alertGroupDetailQuery, type AlertGroupDetail } from "./groupQueries";

export function AlertGroupPage() {
  const { t } = useI18n();
  const { groupId = "" } = useParams();
  const group = useQuery(alertGroupDetailQuery(groupId));
  const data = group.data;
  return (
    <section className="alerts">
      <Link to="/alerts/groups" className="back">
        ← {t("groups.back")}
      </Link>
      {group.isPending && <p className="muted">{t("common.loading")}</p>}
      {group.isError && <ErrorNotice error={group.error} onRetry={() => group.refetch()} />}
      {data && (
        <>
          <div className="page-title">
            <h1>{groupTitle(data, t("groups.allAlerts"))}</h1>
            <GroupCounts group={data} />
          </div>
          <dl className="facts">
            <Fact label={t("groups.route")} testId="group-route">
              {data.route}
            </Fact>
            <Fact label={t("groups.assignee")} testId="group-assignee">
              {data.assignee}
            </Fact>
            <Fact label={t("groups.acked")}>
              <AckedBy group={data} />
            </Fact>
            <Fact label={t("groups.escalationStep")}>{data.escalation_step ?? 0}</Fact>
            <Fact label={t("groups.lastNotified")}>
              {data.last_notified_at && <Time iso={data.last_notified_at} />}
            </Fact>
            <Fact label={t("groups.updated")}>
              <Time iso={data.updated_at} />
            </Fact>
            <Fact label={t("groups.id")}>
              <code>{data.id}</code>
            </Fact>
          </dl>
          <GroupActions group={data} />
          <OpenTicket groupId={data.id} />
          <GroupAnalysis key={data.id} group={data} />
          <GroupKnowledge group={data} />
          <GroupAlerts group={data} />
          <GroupTimeline group={data} />
        </>
      )}
    </section>
  );
}

function GroupAlerts({ group }: { group: AlertGroupDetail }) {
  const { t } = useI18n();
  const alerts = group.alerts ?? [];
  return (
    <section className="card" aria-labelledby="group-alerts">
      <h2 id="group-alerts">{t("groups.alerts")}</h2>
      {alerts.length === 0 && <p className="muted">{t("alerts.empty")}</p>}
      {alerts.length > 0 && (
        <div className="table-scroll">
          <table className="group-alerts stacked">
            <thead>
              <tr>
                <th scope="col">{t("alerts.col.name")}</th>
                <th scope="col">{t("alerts.status")}</th>
                <th scope="col">{t("alerts.col.severity")}</th>
                <th scope="col">{t("alerts.col.labels")}</th>
                <th scope="col">{t("groups.notified")}</th>
                <th scope="col">{t("alerts.startsAt")}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((alert) => (
                <tr key={alert.fingerprint} data-fingerprint={alert.fingerprint}>
                  <td className="file">
                    <Link to={`/alerts/${alert.fingerprint}`}>
                      {String(alert.labels.alertname ?? alert.fingerprint)}
                    </Link>
                  </td>
                  <td>
                    <span className={`badge badge-alert-${alert.status}`}>
                      {alert.status === "firing" ? t("alerts.firing") : t("alerts.resolved")}
                    </span>
                  </td>
                  <td data-label={t("alerts.col.severity")}>{alert.severity || "—"}</td>
                  <td>
                    <code>{labelText(alert.labels)}</code>
                  </td>
                  <td data-label={t("groups.notified")}>
                    {alert.notified || "—"}
                    {alert.held_back && (
                      <span className="muted">
                        {" "}
                        ({t("groups.heldBack", { why: alert.held_back })})
                      </span>
                    )}
                  </td>
                  <td data-label={t("alerts.startsAt")}>
                    <Time iso={alert.starts_at} />
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

/** What an event's detail says in a few words: who, to whom, until when, why, as what. */
function eventSummary(detail: Record<string, unknown>): string {
  const said = ["by", "to", "until", "as", "reason", "step"]
    .filter((key) => detail[key] !== undefined && detail[key] !== null && detail[key] !== "")
    .map((key) => `${key}=${String(detail[key])}`);
  return said.join(", ");
}

interface TimelineEntry {
  key: string;
  at: string;
  kind: string;
  alerts: string[];
  summary: string;
}

/** Newest first; a decision recorded on every member at once (an ack) is one entry. */
function timelineEntries(group: AlertGroupDetail): TimelineEntry[] {
  const names = new Map(
    (group.alerts ?? []).map((a) => [a.fingerprint, String(a.labels.alertname ?? a.fingerprint)]),
  );
  const entries: TimelineEntry[] = [];
  for (const event of [...(group.timeline ?? [])].reverse()) {
    const key = `${event.at}|${event.kind}|${JSON.stringify(event.detail)}`;
    const name = names.get(event.fingerprint) ?? event.fingerprint;
    const previous = entries.at(-1);
    if (previous?.key === key) {
      if (!previous.alerts.includes(name)) previous.alerts.push(name);
      continue;
    }
    entries.push({
      key,
      at: event.at,
      kind: event.kind,
      alerts: [name],
      summary: eventSummary(event.detail),
    });
  }
  return entries;
}

function GroupTimeline({ group }: { group: AlertGroupDetail }) {
  const { t } = useI18n();
  const entries = timelineEntries(group);
  return (
    <section className="card" aria-labelledby="group-timeline">
      <h2 id="group-timeline">{t("alerts.timeline")}</h2>
      {entries.length === 0 && <p className="muted">{t("groups.noEvents")}</p>}
      <ol className="steps group-timeline">
        {entries.map((entry, index) => (
          <li key={index} data-kind={entry.kind}>
            <Time iso={entry.at} /> <strong>{eventKindLabel(t, entry.kind)}</strong>{" "}
            {entry.alerts.join(", ")}
            {entry.summary && <span className="muted"> · {entry.summary}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
