// What a role may do, as the API decides it (docs/api.md): the console hides the buttons a
// role may not use, and still shows the API's 403 if one happens anyway.

import type { Schemas } from "../api/client";

export type Role = Schemas["Role"];

const TASK_WRITERS: readonly Role[] = ["admin", "operator"];

/** Cancel, retry, approve or reject tasks. */
export function canActOnTasks(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Create, edit, publish, roll back and test routing rules. */
export function canEditRules(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Create, change, delete and test notification channels. */
export function canEditChannels(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Read the audit log (admin, operator). */
export function canReadAudit(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Admin-only: API tokens, and the config pushed to agents. */
export function isAdmin(role: Role): boolean {
  return role === "admin";
}

/** Ack, unack, assign and resolve alert groups. */
export function canDecideAlertGroups(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Create, edit and publish knowledge entries. */
export function canEditKnowledge(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Open, move, assign and comment on tickets. */
export function canWorkTickets(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}

/** Say whether a knowledge entry helped (a group's match, an answer's citation). */
export function canGiveKnowledgeFeedback(role: Role): boolean {
  return TASK_WRITERS.includes(role);
}
