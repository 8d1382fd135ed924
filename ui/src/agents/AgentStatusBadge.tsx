import type { Schemas } from "../api/client";
import { elapsedMs, formatDuration } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { Time } from "../shared/Time";

/** An agent's liveness: a word in a colour (the word alone carries the meaning). */
export function AgentStatusBadge({ status }: { status: Schemas["AgentStatus"] }) {
  const { t } = useI18n();
  return <span className={`badge badge-agent-${status}`}>{t(`agents.status.${status}`)}</span>;
}

/** How long ago the last heartbeat came (its time on hover), or "never". */
export function HeartbeatAge({ at }: { at: string | null }) {
  const { t } = useI18n();
  if (!at) return <span className="muted">{t("agents.never")}</span>;
  return (
    <span title={at}>
      {t("agents.ago", { age: formatDuration(elapsedMs(at, null)) })}{" "}
      <span className="optional muted">
        (<Time iso={at} />)
      </span>
    </span>
  );
}
