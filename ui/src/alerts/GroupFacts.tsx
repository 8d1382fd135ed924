// Small pieces the group list and the group page share: the group's name, its counts, its ack.

import { useI18n } from "../i18n/I18n";
import { Time } from "../shared/Time";
import { labelText } from "./AlertsPage";
import type { AlertGroup } from "./groupQueries";

/** A group is named by its group labels; a route grouping by nothing has none. */
export function groupTitle(group: Pick<AlertGroup, "group_labels">, none: string): string {
  return labelText(group.group_labels ?? {}) || none;
}

/** "firing 2 of 3" or "resolved", as a badge. */
export function GroupCounts({ group }: { group: AlertGroup }) {
  const { t } = useI18n();
  const firing = group.firing ?? 0;
  const total = firing + (group.resolved ?? 0);
  const status = group.status === "resolved" ? "resolved" : "firing";
  return (
    <span className={`badge badge-alert-${status}`} data-testid="group-counts">
      {status === "firing" ? t("groups.firingOf", { firing, total }) : t("alerts.resolved")}
    </span>
  );
}

/** Who acknowledged the group and until when ("—" if nobody). */
export function AckedBy({ group }: { group: AlertGroup }) {
  const { t } = useI18n();
  if (!group.acked_by) return <>—</>;
  return (
    <span data-testid="group-acked">
      {group.acked_until ? (
        <>
          {t("groups.ackedByUntil", { name: group.acked_by })} <Time iso={group.acked_until} />
        </>
      ) : (
        t("groups.ackedBy", { name: group.acked_by })
      )}
    </span>
  );
}
