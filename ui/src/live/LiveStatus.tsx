import { useI18n } from "../i18n/I18n";
import { useLiveState } from "./LiveUpdates";
import "./live.css";

/** Whether the console is receiving live changes (announced politely when it changes). */
export function LiveStatus() {
  const { t } = useI18n();
  const state = useLiveState();
  return (
    <span className={`live live-${state}`} data-testid="live" role="status">
      {t(`live.${state}`)}
    </span>
  );
}
