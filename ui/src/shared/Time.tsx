import { formatDateTime } from "../format/format";
import { useI18n } from "../i18n/I18n";

/** An instant in the browser's time zone; the exact ISO time on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const { language } = useI18n();
  if (!iso) return null;
  return (
    <time dateTime={iso} title={iso}>
      {formatDateTime(iso, language)}
    </time>
  );
}
