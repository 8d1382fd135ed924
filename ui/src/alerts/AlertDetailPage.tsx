// One alert: its labels and annotations, the groups it belongs to (each linking to its page,
// the first few with their newest analysis in a line), its timeline, and "Silence" (for operators).

import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canActOnTasks } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { eventKindLabel } from "../shared/eventKinds";
import { Fact } from "../shared/Fact";
import { Time } from "../shared/Time";
import "./alerts.css";
import { labelText } from "./AlertsPage";
import { ANALYSED_GROUPS, GroupAnalysisLine } from "./GroupAnalysisLine";
import { groupTitle } from "./GroupFacts";
import { alertDetailQuery } from "./queries";
import { SilenceAlertButton } from "./SilenceForm";

export function AlertDetailPage() {
  const { t } = useI18n();
  const { fingerprint = "" } = useParams();
  const alert = useQuery(alertDetailQuery(fingerprint));
  const editable = canActOnTasks(usePrincipal().role);
  return (
    <section className="alerts">
      <Link to="/alerts" className="back">
        ← {t("alerts.back")}
      </Link>
      {alert.isPending && <p className="muted">{t("common.loading")}</p>}
      {alert.isError && <ErrorNotice error={alert.error} onRetry={() => alert.refetch()} />}
      {alert.data && (
        <>
          <div className="page-title">
            <h1>{String(alert.data.labels?.alertname ?? fingerprint)}</h1>
            <span className={`badge badge-alert-${alert.data.status}`}>
              {alert.data.status === "firing" ? t("alerts.firing") : t("alerts.resolved")}
            </span>
          </div>
          <dl className="facts">
            <Fact label={t("alerts.col.labels")} wide>
              <code>{labelText(alert.data.labels)}</code>
            </Fact>
            <Fact label={t("alerts.annotations")} wide>
              {labelText(alert.data.annotations) && (
                <code>{labelText(alert.data.annotations)}</code>
              )}
            </Fact>
            <Fact label={t("alerts.startsAt")}>
              <Time iso={alert.data.starts_at} />
            </Fact>
            <Fact label={t("alerts.col.lastSeen")}>
              <Time iso={alert.data.last_seen_at} />
            </Fact>
            <Fact label={t("alerts.groups")} testId="alert-groups" wide>
              {(alert.data.groups ?? []).length === 0 ? (
                t("alerts.noGroups")
              ) : (
                <ul className="alert-group-links">
                  {(alert.data.groups ?? []).map((group, index) => (
                    <li key={group.id} data-group={group.id}>
                      <Link to={`/alerts/groups/${encodeURIComponent(group.id)}`}>
                        {groupTitle(group, t("groups.allAlerts"))}
                      </Link>{" "}
                      {t("alerts.groupRoute", { route: group.route })}{" "}
                      <span className={`badge badge-alert-${group.status}`}>
                        {group.status === "firing" ? t("alerts.firing") : t("alerts.resolved")}
                      </span>
                      {index < ANALYSED_GROUPS && <GroupAnalysisLine groupId={group.id} />}
                    </li>
                  ))}
                </ul>
              )}
            </Fact>
          </dl>
          {editable && (
            <SilenceAlertButton fingerprint={fingerprint} labels={alert.data.labels ?? {}} />
          )}
          <section className="card" aria-labelledby="alert-timeline">
            <h2 id="alert-timeline">{t("alerts.timeline")}</h2>
            <ol className="steps">
              {alert.data.events.map((event, index) => (
                <li key={index}>
                  <Time iso={event.at} /> {eventKindLabel(t, event.kind)} ({event.source})
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </section>
  );
}
