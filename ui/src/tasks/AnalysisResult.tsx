import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { analysesOf, type Analysis } from "./analysis";

/** What each `analyze` step concluded: summary, severity, key errors, causes, suggestions. */
export function AnalysisResult({ steps }: { steps: Schemas["StepPublic"][] }) {
  const { t } = useI18n();
  const analyses = analysesOf(steps);
  if (analyses.length === 0) return null;
  return (
    <section className="analysis" aria-labelledby="task-analysis">
      <h2 id="task-analysis">{t("task.analysis")}</h2>
      {analyses.map((analysis) => (
        <AnalysisCard key={analysis.step} analysis={analysis} />
      ))}
    </section>
  );
}

export function AnalysisCard({ analysis }: { analysis: Analysis }) {
  const { t } = useI18n();
  const lists: [string, string[]][] = [
    [t("task.keyErrors"), analysis.keyErrors],
    [t("task.causes"), analysis.causes],
    [t("task.suggestions"), analysis.suggestions],
  ];
  return (
    <div className="card analysis-card" data-step={analysis.step}>
      <p className="analysis-head">
        {analysis.severity && (
          <span className={`severity severity-${analysis.severity}`}>{analysis.severity}</span>
        )}
        {analysis.confidence !== null && (
          <span className="muted">
            {t("task.confidence", { percent: Math.round(analysis.confidence * 100) })}
          </span>
        )}
        {analysis.model && <span className="muted">{analysis.model}</span>}
        {analysis.degraded && (
          <span className="muted">
            {t("task.degraded", { reason: analysis.errorClass || "?" })}
          </span>
        )}
      </p>
      <p>{analysis.summary}</p>
      {lists.map(
        ([label, items]) =>
          items.length > 0 && (
            <div key={label}>
              <h3>{label}</h3>
              <ul>
                {items.map((item, index) => (
                  <li key={index}>{item}</li>
                ))}
              </ul>
            </div>
          ),
      )}
      {analysis.truncated && <p className="muted">{t("task.truncated")}</p>}
    </div>
  );
}
