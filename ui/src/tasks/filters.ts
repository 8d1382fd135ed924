// The task list's view in the URL, so a view can be shared: the list API's own filter names
// (status, agent_id, rule_id, error_class, path, created_from, created_to) and its cursor.

import { taskStatusValues } from "../api/schema";
import type { Schemas } from "../api/client";

export type TaskStatus = Schemas["TaskStatus"];

export interface TaskFilters {
  status?: TaskStatus;
  agent_id?: string;
  rule_id?: number;
  error_class?: string;
  path?: string;
  /** ISO 8601 instants (UTC): created at or after, and before. */
  created_from?: string;
  created_to?: string;
}

export interface TaskView {
  filters: TaskFilters;
  cursor?: string;
}

export const PAGE_SIZE = 50;
const TEXT_KEYS = ["agent_id", "error_class", "path"] as const;

function isStatus(value: string): value is TaskStatus {
  return (taskStatusValues as readonly string[]).includes(value);
}

/** An instant as the API and the URL carry it (UTC, ISO 8601), or undefined if not one. */
export function instant(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The view a URL's query string describes; what it cannot mean is left out. */
export function viewFromSearch(search: URLSearchParams): TaskView {
  const filters: TaskFilters = {};
  const status = search.get("status");
  if (status && isStatus(status)) filters.status = status;
  for (const key of TEXT_KEYS) {
    const value = search.get(key)?.trim();
    if (value) filters[key] = value;
  }
  const rule = Number(search.get("rule_id"));
  if (Number.isInteger(rule) && rule >= 1) filters.rule_id = rule;
  const from = instant(search.get("created_from"));
  if (from) filters.created_from = from;
  const to = instant(search.get("created_to"));
  if (to) filters.created_to = to;
  const cursor = search.get("cursor") || undefined;
  return cursor ? { filters, cursor } : { filters };
}

/** The query string of a view, its parameters in a fixed order and empty ones left out. */
export function searchFromView({ filters, cursor }: TaskView): URLSearchParams {
  const search = new URLSearchParams();
  const entries: [string, string | number | undefined][] = [
    ["status", filters.status],
    ["agent_id", filters.agent_id],
    ["rule_id", filters.rule_id],
    ["error_class", filters.error_class],
    ["path", filters.path],
    ["created_from", filters.created_from],
    ["created_to", filters.created_to],
    ["cursor", cursor],
  ];
  for (const [key, value] of entries) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  return search;
}

/** The list API's query for a view. */
export function listQuery({ filters, cursor }: TaskView) {
  return { ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
}

export function hasFilters(filters: TaskFilters): boolean {
  return Object.values(filters).some((value) => value !== undefined);
}

/** An instant as a `datetime-local` input shows it: the browser's wall-clock time. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` input's value (the browser's wall-clock time) as an instant. */
export function fromLocalInput(value: string): string | undefined {
  return value ? instant(value) : undefined; // a date-time without a zone parses as local
}
