// One EventSource for the whole app: task, agent, alert group and config target changes from the API refresh exactly the
// query caches they affect (no page polls). The browser reconnects by itself, sending the
// last event's id so the API replays what changed meanwhile; the API ends each stream after a
// while and asks for a quick reconnect, which is not shown as an outage. If reconnecting
// fails again, or the stream is refused, a new one is opened after a pause instead.

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";

import { agentKeys } from "../agents/queries";
import { alertGroupKeys } from "../alerts/groupQueries";
import { alertKeys } from "../alerts/queries";
import { api } from "../api/client";
import { configKeys } from "../configsync/queries";
import { fileKeys } from "../files/queries";
import { taskKeys } from "../tasks/queries";
import { ticketKeys } from "../tickets/queries";
import { SeenChanges, parseEvent, staleAfter, type LiveEvent } from "./events";

const EVENTS_URL = "/api/v1/events";
const BATCH_MS = 300;
const REOPEN_MS = 5_000;
const SHOW_OUTAGE_MS = 2_000; // a reconnect quicker than this is not shown
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
    let outage: number | undefined;
    let failures = 0; // errors since the stream was last open
    let missed = false; // a new EventSource has no Last-Event-ID: refresh all once it opens
    const batcher = new Batcher(queryClient);
    const seen = new SeenChanges();

    const open = () => {
      const current = new EventSource(EVENTS_URL);
      source = current;
      current.onopen = () => {
        failures = 0;
        window.clearTimeout(outage);
        outage = undefined;
        setState("live");
        if (missed) void queryClient.invalidateQueries();
        missed = false;
      };
      current.onerror = () => {
        failures += 1;
        outage ??= window.setTimeout(() => setState("reconnecting"), SHOW_OUTAGE_MS);
        if (current.readyState === EventSource.CLOSED || failures > 1) {
          // Refused, perhaps because the session ended: asking through the API client lets
          // its 401 sign the page out (each stream re-authenticates within STREAM_SECONDS).
          if (current.readyState === EventSource.CLOSED) void api.GET("/api/v1/session");
          current.close();
          missed = true;
          reopen = window.setTimeout(open, REOPEN_MS);
        }
      };
      for (const kind of ["task", "agent", "alert_group", "config_target", "reset"]) {
        current.addEventListener(kind, (message) => {
          const event = parseEvent(kind, (message as MessageEvent<string>).data);
          if (event && seen.isNew(event)) batcher.add(event);
        });
      }
    };
    open();
    return () => {
      source?.close();
      window.clearTimeout(reopen);
      window.clearTimeout(outage);
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
      void client.invalidateQueries({ queryKey: fileKeys.all }); // a file's runs are tasks
      if (Date.now() - this.lastAggregate > AGGREGATE_MS) {
        this.lastAggregate = Date.now();
        void client.invalidateQueries({ queryKey: AGGREGATE_KEY });
      }
    }
    if (stale.agents) void client.invalidateQueries({ queryKey: agentKeys.all });
    // A target's sync or rollout state: the targets list, its page, its rollouts and its diff.
    if (stale.configTargets) void client.invalidateQueries({ queryKey: configKeys.targets() });
    if (stale.alertGroups) {
      // A group changes when its alerts do (counts, resolution): both refresh, as do its pages.
      void client.invalidateQueries({ queryKey: alertGroupKeys.all });
      void client.invalidateQueries({ queryKey: alertKeys.all });
      // A ticket's timeline merges its group's alert events.
      void client.invalidateQueries({ queryKey: [...ticketKeys.all, "detail"] });
    }
  }
}
