// The board: a column per status (the 50 most recently changed in each), each card with the
// moves its status allows. A move calls the API and the board refetches; a refusal (409, say
// another person moved the ticket first) is shown on the card it came from.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canWorkTickets } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { MoveButtons, PriorityLabel } from "./TicketBits";
import { STATUSES, type TicketMove, type TicketStatus } from "./moves";
import { ticketListQuery, useMoveTicket, type Ticket, type TicketFilters } from "./queries";

export function TicketBoard({ filters }: { filters: TicketFilters }) {
  const { t } = useI18n();
  const move = useMoveTicket();
  const [moving, setMoving] = useState<string>();
  const act = (ticket: Ticket, to: TicketMove) => {
    setMoving(ticket.id);
    move.mutate({ id: ticket.id, move: to });
  };
  const { status: _ignored, ...rest } = filters;
  return (
    <div className="ticket-board" aria-label={t("tickets.board")}>
      {STATUSES.map((status) => (
        <BoardColumn
          key={status}
          status={status}
          filters={rest}
          busy={move.isPending}
          failure={move.error ? { id: moving, error: move.error } : undefined}
          onMove={act}
        />
      ))}
    </div>
  );
}

function BoardColumn({
  status,
  filters,
  busy,
  failure,
  onMove,
}: {
  status: TicketStatus;
  filters: TicketFilters;
  busy: boolean;
  failure?: { id?: string; error: unknown };
  onMove: (ticket: Ticket, move: TicketMove) => void;
}) {
  const { t } = useI18n();
  const mayMove = canWorkTickets(usePrincipal().role);
  const tickets = useQuery(ticketListQuery({ ...filters, status }, undefined, 50));
  const items = tickets.data?.items ?? [];
  return (
    <section className="board-column" data-status={status} aria-labelledby={`col-${status}`}>
      <h2 id={`col-${status}`}>
        {t(`ticket.status.${status}`)} <span className="muted">{items.length}</span>
      </h2>
      {tickets.isError && <ErrorNotice error={tickets.error} onRetry={() => tickets.refetch()} />}
      {tickets.isPending && <p className="muted">{t("common.loading")}</p>}
      {items.map((ticket) => (
        <article key={ticket.id} className="card ticket-card" data-ticket={ticket.id}>
          <Link to={`/tickets/${ticket.id}`}>
            {ticket.id} {ticket.title}
          </Link>
          <p className="muted">
            <PriorityLabel priority={ticket.priority} /> {ticket.assignee || t("ticket.unassigned")}
          </p>
          {mayMove && (
            <div className="row">
              <MoveButtons
                status={ticket.status}
                disabled={busy}
                onMove={(m) => onMove(ticket, m)}
              />
            </div>
          )}
          {failure && failure.id === ticket.id && <ErrorNotice error={failure.error} />}
        </article>
      ))}
    </section>
  );
}
