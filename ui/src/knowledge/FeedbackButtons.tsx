// "Helpful" / "Not helpful" on one entry, for the roles that may say so; once said, a thank-you.

import { useI18n } from "../i18n/I18n";
import { canGiveKnowledgeFeedback } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useKnowledgeFeedback, type FeedbackContext } from "./usage";

export function FeedbackButtons({
  entryId,
  context,
  groupId,
}: {
  entryId: number;
  context: FeedbackContext;
  groupId?: string;
}) {
  const { t } = useI18n();
  const principal = usePrincipal();
  const feedback = useKnowledgeFeedback();
  if (!canGiveKnowledgeFeedback(principal.role)) return null;
  if (feedback.isSuccess) {
    return (
      <span className="muted kb-feedback" role="status">
        {t("kb.feedback.thanks")}
      </span>
    );
  }
  const give = (helpful: boolean) => feedback.mutate({ entryId, helpful, context, groupId });
  return (
    <span className="kb-feedback">
      <button type="button" disabled={feedback.isPending} onClick={() => give(true)}>
        <span aria-hidden="true">👍</span> {t("kb.feedback.helpful")}
      </button>
      <button type="button" disabled={feedback.isPending} onClick={() => give(false)}>
        <span aria-hidden="true">👎</span> {t("kb.feedback.notHelpful")}
      </button>
      {feedback.isError && <ErrorNotice error={feedback.error} />}
    </span>
  );
}
