// Tickets: the most recently changed first, filtered in the URL (status, priority, assignee),
// 50 a page with Newest / Previous / Next, or (`/tickets/board`) a board with a column per
// status. Operators open a ticket of their own here; tickets for groups open from the group.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, NavLink, useNavigate } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canWorkTickets } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { QueryTable } from "../shared/QueryTable";
import { FilterBar } from "../shared/FilterBar";
import { Time } from "../shared/Time";
import { useUrlView } from "../shared/urlView";
import { Pager } from "../tasks/Pager";
import { TicketBoard } from "./TicketBoard";
import { Deadline, PriorityLabel, TicketStatusLabel } from "./TicketBits";
import { PRIORITIES, STATUSES, type Priority } from "./moves";
import { TICKET_FILTERS, ticketListQuery, useCreateTicket } from "./queries";
import "./tickets.css";

export function TicketsPage({ board = false }: { board?: boolean }) {
  const { t } = useI18n();
  const view = useUrlView(TICKET_FILTERS);
  const search = new URLSearchParams(
    Object.entries(view.filters).filter(([, v]) => v) as [string, string][],
  ).toString();
  const suffix = search ? `?${search}` : "";
  return (
    <section className="tickets">
      <div className="page-title">
        <h1>{t("tickets.title")}</h1>
        <nav className="row tabs" aria-label={t("tickets.views")}>
          <NavLink to={`/tickets${suffix}`} end>
            {t("tickets.list")}
          </NavLink>
          <NavLink to={`/tickets/board${suffix}`}>{t("tickets.board")}</NavLink>
        </nav>
      </div>
      <NewTicket />
      <FilterBar
        key={JSON.stringify(view.filters)}
        filters={view.filters}
        onApply={view.apply}
        fields={[
          ...(board
            ? []
            : [
                {
                  key: "status" as const,
                  label: t("ticket.status"),
                  kind: "select" as const,
                  options: STATUSES.map((s) => ({ value: s, label: t(`ticket.status.${s}`) })),
                },
              ]),
          {
            key: "priority",
            label: t("ticket.priority"),
            kind: "select",
            options: PRIORITIES.map((p) => ({ value: p, label: p })),
          },
          { key: "assignee", label: t("ticket.assignee"), kind: "text" },
        ]}
      />
      {board ? <TicketBoard filters={view.filters} /> : <TicketList view={view} />}
    </section>
  );
}

function TicketList({
  view,
}: {
  view: ReturnType<typeof useUrlView<(typeof TICKET_FILTERS)[number]>>;
}) {
  const { t } = useI18n();
  const tickets = useQuery({
    ...ticketListQuery(view.filters, view.cursor),
    placeholderData: keepPreviousData,
  });
  const page = tickets.data;
  return (
    <>
      <QueryTable
        query={tickets}
        rows={page?.items}
        empty={t("tickets.empty")}
        className="ticket-list stacked"
        columns={[
          t("ticket.ticket"),
          t("ticket.status"),
          t("ticket.priority"),
          t("ticket.assignee"),
          t("ticket.respondBy"),
          t("ticket.resolveBy"),
          t("ticket.updated"),
        ]}
      >
        {(items) =>
          items.map((ticket) => (
            <tr key={ticket.id} data-ticket={ticket.id}>
              <td className="file">
                <Link to={`/tickets/${ticket.id}`}>
                  {ticket.id} {ticket.title}
                </Link>
              </td>
              <td data-label={t("ticket.status")}>
                <TicketStatusLabel status={ticket.status} />
              </td>
              <td data-label={t("ticket.priority")}>
                <PriorityLabel priority={ticket.priority} />
              </td>
              <td data-label={t("ticket.assignee")}>{ticket.assignee || "—"}</td>
              <td data-label={t("ticket.respondBy")}>
                <Deadline due={ticket.respond_by} done={ticket.acknowledged_at} />
              </td>
              <td data-label={t("ticket.resolveBy")}>
                <Deadline due={ticket.resolve_by} done={ticket.resolved_at} />
              </td>
              <td data-label={t("ticket.updated")}>
                <Time iso={ticket.updated_at} />
              </td>
            </tr>
          ))
        }
      </QueryTable>
      <Pager {...view.pager(page?.next_cursor)} />
    </>
  );
}

/** A ticket of one's own (not for a group): a title and a priority, then its page. */
function NewTicket() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const create = useCreateTicket();
  const [title, setTitle] = useState("");
  const [priority, setPriority] = useState<Priority | "">("");
  if (!canWorkTickets(usePrincipal().role)) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = title.trim();
    if (!text) return;
    create.mutate(
      { title: text, ...(priority ? { priority } : {}) },
      { onSuccess: (made) => navigate(`/tickets/${made.id}`) },
    );
  };
  return (
    <details className="card new-ticket">
      <summary>{t("tickets.new")}</summary>
      <form className="row" onSubmit={submit}>
        <label className="field grow">
          <span>{t("ticket.titleField")}</span>
          <input
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t("ticket.priority")}</span>
          <select value={priority} onChange={(e) => setPriority(e.target.value as Priority | "")}>
            <option value="">{t("ticket.defaultPriority")}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending || !title.trim()}>
          {t("tickets.create")}
        </button>
      </form>
      {create.error && <ErrorNotice error={create.error} />}
    </details>
  );
}
