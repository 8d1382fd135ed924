// One line of how the knowledge base is used: over the last weeks, the share of alert groups
// that matched an entry (hit rate) and of answers that cited one (citation rate).

import { useQuery } from "@tanstack/react-query";

import { useI18n } from "../i18n/I18n";
import { knowledgeStatsQuery, type KnowledgeWeek } from "./usage";

const WEEKS = 4;

const percent = (part: number, whole: number) =>
  whole === 0 ? "—" : `${Math.round((100 * part) / whole)}%`;

export function KnowledgeStats() {
  const { t } = useI18n();
  const stats = useQuery(knowledgeStatsQuery(WEEKS));
  const weeks = stats.data?.weeks;
  if (!weeks) return null;
  const sum = (pick: (w: KnowledgeWeek) => number) =>
    weeks.reduce((total, week) => total + pick(week), 0);
  const groups = sum((w) => w.groups);
  const asks = sum((w) => w.asks);
  return (
    <p className="muted kb-stats" data-testid="kb-stats">
      {t("kb.stats", {
        weeks: WEEKS,
        hitRate: percent(
          sum((w) => w.groups_with_match),
          groups,
        ),
        groups,
        citationRate: percent(
          sum((w) => w.asks_citing),
          asks,
        ),
        asks,
        helpful: sum((w) => w.helpful),
        notHelpful: sum((w) => w.not_helpful),
      })}
    </p>
  );
}
