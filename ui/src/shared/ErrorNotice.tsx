import { useI18n } from "../i18n/I18n";
import { describeError } from "./describeError";

/** A failure, announced to screen readers, with a retry button when one can help. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="notice notice-error" role="alert">
      <span>{describeError(t, error)}</span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("error.retry")}
        </button>
      )}
    </div>
  );
}
