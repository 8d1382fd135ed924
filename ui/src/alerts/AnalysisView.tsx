// One analysis of an alert group as the group page shows it (the newest, and each earlier one):
// severity, confidence, summary, probable causes, suggested actions with their risk, the
// knowledge entries it used (linking to them), and who asked for it, when, with which model.

import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { Time } from "../shared/Time";
import { entryIdOf } from "./analysis";
import type { AlertAnalysis, AlertGroupDetail } from "./groupQueries";

type Knowledge = NonNullable<AlertGroupDetail["knowledge"]>;

/** "built-in analysis (LLM unavailable: timeout)": the LLM did not answer this one. */
export function DegradedBadge({ analysis }: { analysis: Pick<AlertAnalysis, "error_class"> }) {
  const { t } = useI18n();
  return (
    <span className="badge badge-degraded" data-testid="analysis-degraded">
      {t("analysis.degraded", { reason: analysis.error_class || "unknown" })}
    </span>
  );
}

export function AnalysisView({
  analysis,
  knowledge = [],
}: {
  analysis: AlertAnalysis;
  knowledge?: Knowledge;
}) {
  const { t } = useI18n();
  return (
    <div className="analysis-view" data-analysis={analysis.id}>
      <p className="analysis-head">
        <span className={`analysis-severity analysis-severity-${analysis.severity}`}>
          {analysis.severity}
        </span>
        <span className="muted">
          {t("analysis.confidence", { percent: Math.round(analysis.confidence * 100) })}
        </span>
        {analysis.degraded && <DegradedBadge analysis={analysis} />}
      </p>
      <p className="analysis-summary" data-testid="analysis-summary">
        {analysis.summary}
      </p>
      {analysis.causes.length > 0 && (
        <>
          <h3>{t("analysis.causes")}</h3>
          <ul data-testid="analysis-causes">
            {analysis.causes.map((cause, index) => (
              <li key={index}>{cause}</li>
            ))}
          </ul>
        </>
      )}
      {analysis.actions.length > 0 && (
        <>
          <h3>{t("analysis.actions")}</h3>
          <ul data-testid="analysis-actions">
            {analysis.actions.map((action, index) => (
              <li key={index}>
                {action.action}{" "}
                <span className={`badge risk risk-${action.risk}`}>
                  {t(`analysis.risk.${action.risk}`)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {analysis.knowledge.length > 0 && (
        <>
          <h3>{t("analysis.knowledge")}</h3>
          <ul className="analysis-knowledge" data-testid="analysis-knowledge">
            {analysis.knowledge.map((key) => (
              <li key={key}>
                <EntryLink entryKey={key} knowledge={knowledge} />
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="muted analysis-meta">
        <AnalysisOrigin analysis={analysis} />
      </p>
    </div>
  );
}

/** A `KB-<id>` key as a link to its entry, titled when the group's matches name it. */
function EntryLink({ entryKey, knowledge }: { entryKey: string; knowledge: Knowledge }) {
  const id = entryIdOf(entryKey);
  if (id === undefined) return <span>{entryKey}</span>;
  const title = knowledge.find((match) => match.id === id)?.title;
  return (
    <>
      <span className="muted">{entryKey}</span>{" "}
      <Link to={`/knowledge/${id}`}>{title ?? entryKey}</Link>
    </>
  );
}

/** "Asked by olga · <time> · model gpt-4o-mini · 1.2 s · 12 log lines read". */
export function AnalysisOrigin({ analysis }: { analysis: AlertAnalysis }) {
  const { t } = useI18n();
  const who =
    analysis.trigger === "on_demand"
      ? t("analysis.askedBy", { actor: analysis.actor || "?" })
      : t("analysis.automatic");
  return (
    <span data-testid="analysis-origin">
      {who} · <Time iso={analysis.created_at} /> ·{" "}
      {t("analysis.model", { model: analysis.model || "?" })} ·{" "}
      {t("analysis.elapsed", { seconds: (analysis.elapsed_ms / 1000).toFixed(1) })}
      {analysis.excerpt && <> · {analysis.excerpt}</>}
    </span>
  );
}
