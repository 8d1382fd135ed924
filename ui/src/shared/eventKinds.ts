// The kinds of the alert, alert group and ticket timelines, in the reader's language.

import type { MessageKey } from "../i18n/en";

const KINDS = [
  // an alert's own (docs/alerts.md) and what Sluice records on it
  "firing",
  "resolved",
  "updated",
  "notified",
  "suppressed",
  "escalated",
  "acked",
  "unacked",
  "assigned",
  // a ticket's, its comments and the group's analyses
  "created",
  "status_changed",
  "commented",
  "comment",
  "group_updated",
  "deadline_breached",
  "knowledge_drafted",
  "analysed",
] as const;
type EventKind = (typeof KINDS)[number];

const isKind = (kind: string): kind is EventKind => (KINDS as readonly string[]).includes(kind);

/** `kind` translated; a kind this console does not know (a newer API's) as it came. */
export function eventKindLabel(t: (key: MessageKey) => string, kind: string): string {
  return isKind(kind) ? t(`event.${kind}`) : kind;
}
