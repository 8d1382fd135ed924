import { describe, expect, it } from "vitest";

import { parseEvent, staleAfter } from "./events";

describe("parseEvent", () => {
  it("reads task, agent and reset events", () => {
    expect(parseEvent("task", '{"id":"t-1","status":"running","at":"x"}')).toEqual({
      kind: "task",
      id: "t-1",
      status: "running",
    });
    expect(parseEvent("agent", '{"id":"a","status":"online"}')?.kind).toBe("agent");
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
      { kind: "task", id: "t-1", status: "running" },
      { kind: "task", id: "t-1", status: "succeeded" },
      { kind: "agent", id: "a", status: "online" },
    ]);
    expect([...stale.tasks]).toEqual(["t-1"]);
    expect(stale.agents).toBe(true);
    expect(stale.everything).toBe(false);
    expect(staleAfter([{ kind: "reset" }]).everything).toBe(true);
  });
});
