// What a ticket may do next, and how its deadlines and timeline read: pure, so it is tested
// without a browser.

export type TicketStatus = "open" | "acknowledged" | "in_progress" | "resolved" | "closed";
export type TicketMove = "ack" | "start" | "resolve" | "close" | "reopen";
export type Priority = "P1" | "P2" | "P3" | "P4";

export const STATUSES: readonly TicketStatus[] = [
  "open",
  "acknowledged",
  "in_progress",
  "resolved",
  "closed",
];
export const PRIORITIES: readonly Priority[] = ["P1", "P2", "P3", "P4"];

/** The moves each status allows (docs/tickets.md); the API still decides, and says 409. */
export const MOVES: Record<TicketStatus, readonly TicketMove[]> = {
  open: ["ack", "start", "resolve", "close"],
  acknowledged: ["start", "resolve", "close"],
  in_progress: ["resolve", "close"],
  resolved: ["close", "reopen"],
  closed: ["reopen"],
};

export function movesFrom(status: string): readonly TicketMove[] {
  return MOVES[status as TicketStatus] ?? [];
}

/** Whether a deadline has passed without the thing it waits for (`done`, when it happened). */
export function breached(
  deadline: string | null | undefined,
  done: string | null | undefined,
  now: number,
): boolean {
  if (!deadline) return false;
  const due = Date.parse(deadline);
  return done ? Date.parse(done) > due : now > due;
}

export function isStatus(value: string): value is TicketStatus {
  return (STATUSES as readonly string[]).includes(value);
}

/** A timeline entry's change in a few words: "open → acknowledged", "ack: applied", or "".
 * `name` words each side of the arrow (a status in the reader's language). */
export function change(
  detail: Record<string, unknown> | undefined,
  name: (value: string) => string = (value) => value,
): string {
  if (!detail) return "";
  const { from, to, update, applied, reason } = detail;
  if (typeof to === "string") {
    return `${typeof from === "string" && from ? name(from) : "—"} → ${name(to)}`;
  }
  if (typeof update === "string") {
    return applied ? `${update}: ✓` : `${update}: ${typeof reason === "string" ? reason : "✗"}`;
  }
  return "";
}
