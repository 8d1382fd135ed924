import { describe, expect, it } from "vitest";

import { CATALOGUES } from "../i18n/messages";
import { breached, change, isStatus, movesFrom } from "./moves";

describe("ticket moves", () => {
  it("offers what docs/tickets.md allows from each status", () => {
    expect(movesFrom("open")).toEqual(["ack", "start", "resolve", "close"]);
    expect(movesFrom("in_progress")).toEqual(["resolve", "close"]);
    expect(movesFrom("closed")).toEqual(["reopen"]);
    expect(movesFrom("someday")).toEqual([]);
  });
});

describe("deadlines", () => {
  const due = "2026-01-01T10:00:00Z";
  const before = Date.parse("2026-01-01T09:00:00Z");
  const after = Date.parse("2026-01-01T11:00:00Z");

  it("is missed once passed while still waiting", () => {
    expect(breached(due, null, before)).toBe(false);
    expect(breached(due, null, after)).toBe(true);
  });

  it("is missed when the thing came late, met when it came in time", () => {
    expect(breached(due, "2026-01-01T10:30:00Z", after)).toBe(true);
    expect(breached(due, "2026-01-01T09:30:00Z", after)).toBe(false);
    expect(breached(null, null, after)).toBe(false);
  });
});

describe("timeline changes", () => {
  it("names a status move, an assignment and a group update", () => {
    expect(change({ action: "ack", from: "open", to: "acknowledged" })).toBe("open → acknowledged");
    expect(change({ from: "", to: "olga" })).toBe("— → olga");
    expect(change({ update: "ack", applied: false, reason: "refused: gone" })).toBe(
      "ack: refused: gone",
    );
    expect(change({ comment_id: 3 })).toBe("");
  });

  it("words each side of a status move as it is told", () => {
    const zh = (status: string) =>
      isStatus(status) ? CATALOGUES["zh-CN"][`ticket.status.${status}`] : status;
    expect(change({ from: "acknowledged", to: "in_progress" }, zh)).toBe("已确认 → 处理中");
    expect(change({ from: "", to: "open" }, zh)).toBe("— → 待处理");
  });
});
