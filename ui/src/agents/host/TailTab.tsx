// The last N lines of a file, and Follow: new lines live until the viewer stops or leaves.
// "Analyse this file" (operators) shows the analysis under it.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../../i18n/I18n";
import { canActOnTasks } from "../../session/roles";
import { usePrincipal } from "../../session/Session";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { AnalysisCard } from "../../tasks/AnalysisResult";
import { useFollow } from "./follow";
import { tailQuery, useAnalyseFile, type FileAnalysis } from "./queries";

const LINE_CHOICES = [50, 200, 1000];

export function TailTab({ agentId, path }: { agentId: string; path: string }) {
  const { t } = useI18n();
  const [lines, setLines] = useState(200);
  const [follow, setFollow] = useState(false);
  const tail = useQuery(tailQuery(agentId, path, lines));
  const start = tail.data ? { offset: tail.data.offset, inode: tail.data.inode } : undefined;
  const live = useFollow(agentId, path, start, follow);
  const shown = [...(tail.data?.lines ?? []), ...live.lines];
  return (
    <div className="host-tail">
      <div className="row">
        <label>
          {t("host.lines")}{" "}
          <select value={lines} onChange={(event) => setLines(Number(event.target.value))}>
            {LINE_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />{" "}
          {t("host.follow")}
        </label>
        <button type="button" onClick={() => tail.refetch()} disabled={follow}>
          {t("host.refresh")}
        </button>
        {follow && <span className="muted">{t(`host.followState.${live.state}`)}</span>}
      </div>
      {live.message && <p className="error-line">{live.message}</p>}
      {tail.isPending && <p className="muted">{t("common.loading")}</p>}
      {tail.isError && <ErrorNotice error={tail.error} onRetry={() => tail.refetch()} />}
      {tail.data && (
        <>
          {tail.data.partial && <p className="muted">{t("host.partial")}</p>}
          {tail.data.cut_lines > 0 && (
            <p className="muted">{t("host.cutLines", { count: tail.data.cut_lines })}</p>
          )}
          <pre className="host-lines" aria-label={t("host.tab.tail")}>
            {shown.join("\n")}
          </pre>
        </>
      )}
      <Analyse agentId={agentId} path={path} />
    </div>
  );
}

function Analyse({ agentId, path }: { agentId: string; path: string }) {
  const { t, language } = useI18n();
  const analyse = useAnalyseFile(agentId);
  if (!canActOnTasks(usePrincipal().role)) return null;
  return (
    <div className="host-analyse">
      <button
        type="button"
        disabled={analyse.isPending}
        onClick={() => analyse.mutate({ path, language: language.startsWith("zh") ? "zh" : "en" })}
      >
        {analyse.isPending ? t("host.analysing") : t("host.analyse")}
      </button>
      {analyse.isError && <ErrorNotice error={analyse.error} />}
      {analyse.data && <AnalysisCard analysis={asCard(analyse.data)} />}
    </div>
  );
}

function asCard(analysis: FileAnalysis) {
  return {
    step: "on-demand",
    summary: analysis.summary,
    severity: analysis.severity,
    keyErrors: analysis.key_errors,
    causes: analysis.causes,
    suggestions: analysis.suggestions,
    confidence: analysis.confidence,
    model: analysis.model,
    degraded: analysis.degraded,
    errorClass: analysis.error_class,
    truncated: analysis.truncated,
  };
}
