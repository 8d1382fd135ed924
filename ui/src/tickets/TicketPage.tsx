// One ticket: its facts, the group it is for, its deadlines (missed ones marked), the moves
// its status allows, assign, a comment box, and the timeline the API merges (the ticket's
// own events, comments and its group's alert events). Viewers read it all, with no buttons.

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canWorkTickets } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { eventKindLabel } from "../shared/eventKinds";
import { Fact } from "../shared/Fact";
import { Time } from "../shared/Time";
import { Deadline, MoveButtons, PriorityLabel, statusName, TicketStatusLabel } from "./TicketBits";
import { change } from "./moves";
import {
  ticketDetailQuery,
  useAssignTicket,
  useCommentTicket,
  useMoveTicket,
  type TicketDetail,
} from "./queries";
import "./tickets.css";

export function TicketPage() {
  const { t } = useI18n();
  const { ticketId = "" } = useParams();
  const ticket = useQuery(ticketDetailQuery(ticketId));
  const data = ticket.data;
  return (
    <section className="tickets">
      <Link to="/tickets" className="back">
        ← {t("tickets.back")}
      </Link>
      {ticket.isPending && <p className="muted">{t("common.loading")}</p>}
      {ticket.isError && <ErrorNotice error={ticket.error} onRetry={() => ticket.refetch()} />}
      {data && (
        <>
          <div className="page-title">
            <h1>
              {data.id} {data.title}
            </h1>
            <span data-testid="ticket-status">
              <TicketStatusLabel status={data.status} />
            </span>
          </div>
          <dl className="facts">
            <Fact label={t("ticket.priority")}>
              <PriorityLabel priority={data.priority} />
            </Fact>
            <Fact label={t("ticket.assignee")} testId="ticket-assignee">
              {data.assignee}
            </Fact>
            <Fact label={t("ticket.group")}>
              {data.group_id && (
                <Link to={`/alerts/groups/${encodeURIComponent(data.group_id)}`}>
                  {data.group_id}
                </Link>
              )}
            </Fact>
            <Fact label={t("ticket.respondBy")}>
              <Deadline due={data.respond_by} done={data.acknowledged_at} />
            </Fact>
            <Fact label={t("ticket.resolveBy")}>
              <Deadline due={data.resolve_by} done={data.resolved_at} />
            </Fact>
            <Fact label={t("ticket.createdBy")}>
              {data.created_by} <Time iso={data.created_at} />
            </Fact>
          </dl>
          {data.description && <p className="ticket-description">{data.description}</p>}
          <TicketActions ticket={data} />
          <Timeline ticket={data} />
        </>
      )}
    </section>
  );
}

function TicketActions({ ticket }: { ticket: TicketDetail }) {
  const { t } = useI18n();
  const move = useMoveTicket();
  const assign = useAssignTicket(ticket.id);
  const comment = useCommentTicket(ticket.id);
  const [assignee, setAssignee] = useState("");
  const [body, setBody] = useState("");
  if (!canWorkTickets(usePrincipal().role)) return null;
  const busy = move.isPending || assign.isPending || comment.isPending;
  const reset = () => [move, assign, comment].forEach((m) => m.reset());
  const submitAssign = (event: FormEvent) => {
    event.preventDefault();
    const to = assignee.trim();
    if (to) (reset(), assign.mutate(to, { onSuccess: () => setAssignee("") }));
  };
  const submitComment = (event: FormEvent) => {
    event.preventDefault();
    const text = body.trim();
    if (text) (reset(), comment.mutate(text, { onSuccess: () => setBody("") }));
  };
  const failure = move.error ?? assign.error ?? comment.error;
  return (
    <section className="card actions" aria-labelledby="ticket-actions">
      <h2 id="ticket-actions">{t("ticket.actions")}</h2>
      <div className="row">
        <MoveButtons
          status={ticket.status}
          disabled={busy}
          onMove={(to) => (reset(), move.mutate({ id: ticket.id, move: to }))}
        />
      </div>
      <form className="row" onSubmit={submitAssign}>
        <label className="field">
          <span>{t("ticket.assignTo")}</span>
          <input maxLength={200} value={assignee} onChange={(e) => setAssignee(e.target.value)} />
        </label>
        <button type="submit" disabled={busy || !assignee.trim()}>
          {t("ticket.assign")}
        </button>
      </form>
      <form className="ticket-comment" onSubmit={submitComment}>
        <label className="field">
          <span>{t("ticket.comment")}</span>
          <textarea
            rows={3}
            maxLength={20000}
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || !body.trim()}>
          {t("ticket.addComment")}
        </button>
      </form>
      {failure != null && <ErrorNotice error={failure} />}
    </section>
  );
}

function Timeline({ ticket }: { ticket: TicketDetail }) {
  const { t } = useI18n();
  const entries = ticket.timeline ?? [];
  return (
    <section className="card" aria-labelledby="ticket-timeline">
      <h2 id="ticket-timeline">{t("ticket.timeline")}</h2>
      {entries.length === 0 && <p className="muted">{t("ticket.noTimeline")}</p>}
      <ol className="ticket-timeline" data-testid="ticket-timeline">
        {entries.map((entry, index) => {
          const statuses = entry.kind === "status_changed";
          const described = change(entry.detail, statuses ? (s) => statusName(t, s) : undefined);
          return (
            <li key={index} data-kind={entry.kind} data-source={entry.source}>
              <Time iso={entry.at} /> <span className="tag">{entry.source}</span>{" "}
              <strong>{eventKindLabel(t, entry.kind)}</strong>
              {entry.actor && <span className="muted"> · {entry.actor}</span>}
              {described && <span> · {described}</span>}
              {entry.fingerprint && (
                <>
                  {" · "}
                  <Link to={`/alerts/${entry.fingerprint}`}>{entry.fingerprint.slice(0, 12)}</Link>
                </>
              )}
              {entry.body && <p className="timeline-body">{entry.body}</p>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
