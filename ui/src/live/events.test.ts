import { describe, expect, it } from "vitest";

import { SeenChanges, parseEvent, staleAfter, type LiveEvent } from "./events";

describe("parseEvent", () => {
  it("reads task, agent and reset events", () => {
    expect(parseEvent("task", '{"id":"t-1","status":"running","at":"x"}')).toEqual({
      kind: "task",
      id: "t-1",
      status: "running",
      at: "x",
    });
    expect(parseEvent("agent", '{"id":"a","status":"online","at":"y"}')?.kind).toBe("agent");
    expect(parseEvent("alert_group", '{"id":"g","status":"firing","at":"z"}')?.kind).toBe(
      "alert_group",
    );
    expect(parseEvent("reset", "{}")).toEqual({ kind: "reset" });
  });

  it("ignores what it does not know or cannot read", () => {
    expect(parseEvent("other", "{}")).toBeNull();
    expect(parseEvent("task", "not json")).toBeNull();
    expect(parseEvent("task", '{"id":1}')).toBeNull();
  });
});

describe("staleAfter", () => {
  it("collects the changed tasks once each, and whether agents or everything changed", () => {
    const stale = staleAfter([
      { kind: "task", id: "t-1", status: "running", at: "1" },
      { kind: "task", id: "t-1", status: "succeeded", at: "2" },
      { kind: "agent", id: "a", status: "online", at: "1" },
    ]);
    expect([...stale.tasks]).toEqual(["t-1"]);
    expect(stale.agents).toBe(true);
    expect(stale.everything).toBe(false);
    expect(stale.alertGroups).toBe(false);
    expect(staleAfter([{ kind: "alert_group", id: "g", status: "x", at: "1" }]).alertGroups).toBe(
      true,
    );
    expect(staleAfter([{ kind: "reset" }]).everything).toBe(true);
    expect(stale.configTargets).toBe(false);
  });

  it("marks config targets stale on a config_target event", () => {
    const event = parseEvent("config_target", '{"id":"prom-a","status":"2:ab/1:cd","at":"z"}');
    expect(event?.kind).toBe("config_target");
    expect(staleAfter(event ? [event] : []).configTargets).toBe(true);
  });
});

describe("SeenChanges", () => {
  it("lets each change through once, and a later change of the same task again", () => {
    const seen = new SeenChanges(2);
    const change = (id: string, at: string): LiveEvent => ({ kind: "task", id, status: "x", at });
    expect(seen.isNew(change("t-1", "1"))).toBe(true);
    expect(seen.isNew(change("t-1", "1"))).toBe(false);
    expect(seen.isNew(change("t-1", "2"))).toBe(true);
    expect(seen.isNew({ kind: "agent", id: "t-1", status: "x", at: "2" })).toBe(true);
    expect(seen.isNew(change("t-2", "1"))).toBe(true); // forgets the oldest beyond the limit
    expect(seen.isNew(change("t-1", "2"))).toBe(true);
    expect(seen.isNew({ kind: "reset" })).toBe(true);
  });
});
