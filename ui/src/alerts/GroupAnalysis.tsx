// The group's AI analysis: the newest one (or a note that there is none), "Analyse" for
// operators, which starts an on-demand analysis and polls the group until a newer analysis
// than the one shown appears (every second, for up to two minutes), and the earlier analyses
// on request.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { useI18n } from "../i18n/I18n";
import { canDecideAlertGroups } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { POLL_MS, startWait, waitState, type AnalysisWait } from "./analysis";
import { AnalysisView, DegradedBadge } from "./AnalysisView";
import {
  alertGroupAnalysesQuery,
  alertGroupDetailQuery,
  useAnalyseGroup,
  type AlertAnalysis,
  type AlertGroupDetail,
} from "./groupQueries";

export function GroupAnalysis({ group }: { group: AlertGroupDetail }) {
  const { t } = useI18n();
  const allowed = canDecideAlertGroups(usePrincipal().role);
  const analyse = useAnalyseGroup(group.id);
  const [wait, setWait] = useState<AnalysisWait>();
  const [clock, setClock] = useState(0); // when it asked, then the deadline once it passes
  const newest = group.analysis ?? null;
  const state = waitState(wait, newest, clock);
  const running = state === "running" || analyse.isPending;
  // The page shares this query: while an asked-for analysis runs, it refreshes every second.
  useQuery({ ...alertGroupDetailQuery(group.id), refetchInterval: running ? POLL_MS : false });
  useEffect(() => {
    if (!wait) return;
    const timer = window.setTimeout(
      () => setClock(Math.max(Date.now(), wait.until)),
      wait.until - Date.now(),
    );
    return () => window.clearTimeout(timer);
  }, [wait]);

  const start = () =>
    analyse.mutate(undefined, {
      onSuccess: () => {
        const now = Date.now();
        setClock(now);
        setWait(startWait(newest, now));
      },
    });

  return (
    <section
      className="card group-analysis"
      aria-labelledby="group-analysis"
      data-testid="group-analysis"
    >
      <h2 id="group-analysis">{t("analysis.title")}</h2>
      {newest ? (
        <AnalysisView analysis={newest} knowledge={group.knowledge} />
      ) : (
        <p className="empty">{t("analysis.none")}</p>
      )}
      {allowed && (
        <div className="row">
          <button type="button" className="primary" disabled={running} onClick={start}>
            {newest ? t("analysis.again") : t("analysis.analyse")}
          </button>
          <span aria-live="polite">
            {running && (
              <span className="muted" data-testid="analysis-running">
                {t("analysis.running")}
              </span>
            )}
          </span>
        </div>
      )}
      {state === "timedOut" && (
        <p className="notice notice-muted" role="status" data-testid="analysis-late">
          {t("analysis.late", { minutes: 2 })}
        </p>
      )}
      {analyse.error && <ErrorNotice error={analyse.error} />}
      {newest && <EarlierAnalyses group={group} newest={newest} />}
    </section>
  );
}

/** The analyses before the newest, fetched when first opened. */
function EarlierAnalyses({ group, newest }: { group: AlertGroupDetail; newest: AlertAnalysis }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const list = useQuery({ ...alertGroupAnalysesQuery(group.id, newest.id), enabled: open });
  const earlier = (list.data ?? []).filter((analysis) => analysis.id !== newest.id);
  return (
    <details
      className="analysis-history"
      data-testid="analysis-history"
      onToggle={(event) => setOpen(event.currentTarget.open)}
    >
      <summary>{t("analysis.earlier")}</summary>
      {list.isPending && open && <p className="muted">{t("common.loading")}</p>}
      {list.isError && <ErrorNotice error={list.error} onRetry={() => list.refetch()} />}
      {list.isSuccess && earlier.length === 0 && <p className="empty">{t("analysis.noEarlier")}</p>}
      <ol>
        {earlier.map((analysis) => (
          <li key={analysis.id}>
            <details>
              <summary>
                <Time iso={analysis.created_at} /> · {analysis.severity} · {analysis.summary}{" "}
                {analysis.degraded && <DegradedBadge analysis={analysis} />}
              </summary>
              <AnalysisView analysis={analysis} knowledge={group.knowledge} />
            </details>
          </li>
        ))}
      </ol>
    </details>
  );
}
