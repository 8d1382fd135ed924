// Small pieces the ticket pages share: the status and priority labels, the move buttons, and
// a deadline that says when it was missed.

import { useI18n } from "../i18n/I18n";
import { Time } from "../shared/Time";
import type { MessageKey } from "../i18n/en";
import { breached, isStatus, movesFrom, type TicketMove } from "./moves";

/** A ticket status in the reader's language; one the console does not know as it came. */
export function statusName(t: (key: MessageKey) => string, status: string): string {
  return isStatus(status) ? t(`ticket.status.${status}`) : status;
}

export function TicketStatusLabel({ status }: { status: string }) {
  const { t } = useI18n();
  return <span className={`ticket-status ticket-${status}`}>{statusName(t, status)}</span>;
}

export function PriorityLabel({ priority }: { priority: string }) {
  return <span className={`ticket-priority priority-${priority}`}>{priority}</span>;
}

/** One button per move the ticket's status allows (the API may still refuse: 409). */
export function MoveButtons({
  status,
  disabled,
  onMove,
}: {
  status: string;
  disabled: boolean;
  onMove: (move: TicketMove) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      {movesFrom(status).map((move) => (
        <button
          key={move}
          type="button"
          className={move === "resolve" ? "primary" : undefined}
          disabled={disabled}
          onClick={() => onMove(move)}
        >
          {t(`ticket.move.${move}`)}
        </button>
      ))}
    </>
  );
}

export function Deadline({ due, done }: { due: string | null | undefined; done?: string | null }) {
  const { t } = useI18n();
  if (!due) return <>—</>;
  const missed = breached(due, done, Date.now());
  return (
    <span className={missed ? "deadline breached" : "deadline"} data-breached={missed}>
      <Time iso={due} />
      {missed && <strong> {t("ticket.breached")}</strong>}
    </span>
  );
}
