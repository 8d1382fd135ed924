// On an alert's page, under each of its first few groups: the group's newest analysis in one
// line (with the degraded badge), linking to the group page. One request per group, shared
// with the group page's cache.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { DegradedBadge } from "./AnalysisView";
import { alertGroupDetailQuery } from "./groupQueries";

/** Only the first few groups of an alert show their analysis. */
export const ANALYSED_GROUPS = 3;

export function GroupAnalysisLine({ groupId }: { groupId: string }) {
  const { t } = useI18n();
  const group = useQuery(alertGroupDetailQuery(groupId));
  const analysis = group.data?.analysis;
  if (!analysis) return null;
  return (
    <div className="analysis-line" data-testid="group-analysis-line">
      <Link to={`/alerts/groups/${encodeURIComponent(groupId)}`} title={analysis.summary}>
        {t("alerts.groupAnalysis", { summary: analysis.summary })}
      </Link>{" "}
      {analysis.degraded && <DegradedBadge analysis={analysis} />}
    </div>
  );
}
