// What the API's event stream (GET /api/v1/events: tasks, agents, alert groups, config targets) says, turned into the query caches to
// refresh: events arriving together are batched, so a burst of changes costs one refetch
// of each list rather than one per event.

export type LiveEvent =
  | {
      kind: "task" | "agent" | "alert_group" | "config_target";
      id: string;
      status: string;
      at: string;
    }
  | { kind: "reset" };

/** The caches a batch of events makes stale. */
export interface Stale {
  everything: boolean;
  tasks: Set<string>;
  agents: boolean;
  alertGroups: boolean;
  configTargets: boolean;
}

export function parseEvent(kind: string, data: string): LiveEvent | null {
  if (kind === "reset") return { kind };
  if (kind !== "task" && kind !== "agent" && kind !== "alert_group" && kind !== "config_target") {
    return null;
  }
  try {
    const body: unknown = JSON.parse(data);
    if (typeof body !== "object" || body === null) return null;
    const { id, status, at } = body as Record<string, unknown>;
    if (typeof id !== "string" || typeof status !== "string" || typeof at !== "string") {
      return null;
    }
    return { kind, id, status, at };
  } catch {
    return null;
  }
}

export function staleAfter(events: readonly LiveEvent[]): Stale {
  const stale: Stale = {
    everything: false,
    tasks: new Set(),
    agents: false,
    alertGroups: false,
    configTargets: false,
  };
  for (const event of events) {
    if (event.kind === "reset") stale.everything = true;
    else if (event.kind === "task") stale.tasks.add(event.id);
    else if (event.kind === "alert_group") stale.alertGroups = true;
    else if (event.kind === "config_target") stale.configTargets = true;
    else stale.agents = true;
  }
  return stale;
}

/**
 * Drops events already seen: the API delivers at least once (a resumed stream replays the
 * last seconds), and a repeat would only cost a refetch. Remembers the last `limit` changes.
 */
export class SeenChanges {
  private readonly seen = new Map<string, string>();

  constructor(private readonly limit = 2_000) {}

  isNew(event: LiveEvent): boolean {
    if (event.kind === "reset") return true;
    const key = `${event.kind}:${event.id}`;
    if (this.seen.get(key) === event.at) return false;
    this.seen.delete(key);
    this.seen.set(key, event.at);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }
}
