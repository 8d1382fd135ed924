import { useI18n } from "../i18n/I18n";
import type { Schemas } from "../api/client";

/** Where a match came in each ranking, compactly: "signature #1 · labels #2 · text #3 (4.2)". */
export function ScoreParts({ parts }: { parts: Schemas["ScoreComponents"] }) {
  const { t } = useI18n();
  const shown: string[] = [];
  if (parts.exact_signature) shown.push(t("kb.part.exact"));
  if (parts.signature_rank != null)
    shown.push(t("kb.part.signature", { rank: parts.signature_rank }));
  if (parts.labels_rank != null) shown.push(t("kb.part.labels", { rank: parts.labels_rank }));
  if (parts.text_rank != null) {
    const score = parts.text_score != null ? String(Number(parts.text_score.toPrecision(3))) : "—";
    shown.push(t("kb.part.text", { rank: parts.text_rank, score }));
  }
  return <span className="kb-parts">{shown.join(" · ")}</span>;
}
