// The knowledge entries matched to an alert group (best first), each with what matched and,
// for operators, whether it helped.

import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { FeedbackButtons } from "../knowledge/FeedbackButtons";
import "../knowledge/knowledge.css";
import type { AlertGroupDetail } from "./groupQueries";

export function GroupKnowledge({ group }: { group: AlertGroupDetail }) {
  const { t } = useI18n();
  const matches = group.knowledge ?? [];
  return (
    <section className="card" aria-labelledby="group-knowledge" data-testid="group-knowledge">
      <h2 id="group-knowledge">{t("groups.knowledge")}</h2>
      {matches.length === 0 && <p className="empty">{t("groups.noKnowledge")}</p>}
      <ol className="group-knowledge">
        {matches.map((match) => (
          <li key={match.id} data-entry={match.id}>
            <span className="muted">{match.key}</span>{" "}
            <Link to={`/knowledge/${match.id}`}>{match.title}</Link>{" "}
            {match.why.length > 0 && (
              <span className="muted">
                · {t("groups.knowledgeWhy", { why: match.why.join(", ") })}
              </span>
            )}{" "}
            <FeedbackButtons entryId={match.id} context="match" groupId={group.id} />
          </li>
        ))}
      </ol>
    </section>
  );
}
