import { useI18n } from "../i18n/I18n";

/** Keyset paging: the API only goes forward (`next_cursor`), so Previous walks back along
 * the cursors this tab came through, and Newest starts again from the top. */
export function Pager({
  atNewest,
  canGoBack,
  nextCursor,
  onNewest,
  onPrevious,
  onNext,
}: {
  atNewest: boolean;
  canGoBack: boolean;
  nextCursor: string | null | undefined;
  onNewest: () => void;
  onPrevious: () => void;
  onNext: (cursor: string) => void;
}) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t("tasks.paging")}>
      <button type="button" disabled={atNewest} onClick={onNewest}>
        {t("tasks.newest")}
      </button>
      <button type="button" disabled={!canGoBack} onClick={onPrevious}>
        {t("tasks.previous")}
      </button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && onNext(nextCursor)}>
        {t("tasks.next")}
      </button>
    </nav>
  );
}
