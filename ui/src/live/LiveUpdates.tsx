// One EventSource for the whole app: task and agent changes from the API refresh exactly the
// query caches they affect (no page polls). The browser reconnects by itself, sending the
// last event's id so the API replays what changed meanwhile; if the stream is refused (say
// the API restarted behind a proxy), a new one is opened after a pause.

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";

import { agentKeys } from "../agents/queries";
import { taskKeys } from "../tasks/queries";
import { parseEvent, staleAfter, type LiveEvent } from "./events";

const EVENTS_URL = "/api/v1/events";
const BATCH_MS = 300;
const REOPEN_MS = 5_000;
/** Query keys of aggregates (the overview) that follow task changes, refreshed at most this often. */
export const AGGREGATE_KEY = ["aggregates"] as const;
const AGGREGATE_MS = 10_000;

export type LiveState = "connecting" | "live" | "reconnecting";
const LiveContext = createContext<LiveState>("connecting");

export function useLiveState(): LiveState {
  return useContext(LiveContext);
}

export function LiveUpdates({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    let source: EventSource | undefined;
    let reopen: number | undefined;
    const batcher = new Batcher(queryClient);

    const open = () => {
      source = new EventSource(EVENTS_URL);
      source.onopen = () => setState("live");
      source.onerror = () => {
        setState("reconnecting");
        if (source?.readyState === EventSource.CLOSED) {
          reopen = window.setTimeout(open, REOPEN_MS);
        }
      };
      for (const kind of ["task", "agent", "reset"]) {
        source.addEventListener(kind, (message) => {
          const event = parseEvent(kind, (message as MessageEvent<string>).data);
          if (event) batcher.add(event);
        });
      }
    };
    open();
    return () => {
      source?.close();
      window.clearTimeout(reopen);
      batcher.stop();
    };
  }, [queryClient]);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}

/** Events gathered for BATCH_MS, then the caches they make stale invalidated together. */
class Batcher {
  private pending: LiveEvent[] = [];
  private timer: number | undefined;
  private lastAggregate = 0;

  constructor(private readonly queryClient: QueryClient) {}

  add(event: LiveEvent) {
    this.pending.push(event);
    this.timer ??= window.setTimeout(() => this.flush(), BATCH_MS);
  }

  stop() {
    window.clearTimeout(this.timer);
  }

  private flush() {
    const stale = staleAfter(this.pending);
    this.pending = [];
    this.timer = undefined;
    const client = this.queryClient;
    if (stale.everything) {
      void client.invalidateQueries();
      return;
    }
    if (stale.tasks.size > 0) {
      stale.tasks.forEach((id) => void client.invalidateQueries({ queryKey: taskKeys.detail(id) }));
      void client.invalidateQueries({ queryKey: taskKeys.lists() });
      if (Date.now() - this.lastAggregate > AGGREGATE_MS) {
        this.lastAggregate = Date.now();
        void client.invalidateQueries({ queryKey: AGGREGATE_KEY });
      }
    }
    if (stale.agents) void client.invalidateQueries({ queryKey: agentKeys.all });
  }
}
