import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";

type Status = Schemas["TaskStatus"] | Schemas["StepStatus"];

/** A task's or step's status: a word in a colour (the word alone carries the meaning). */
export function StatusBadge({ status }: { status: Status }) {
  const { t } = useI18n();
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}
