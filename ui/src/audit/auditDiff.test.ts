import { describe, expect, it } from "vitest";

import { auditDiff, stateBefore } from "./auditDiff";
import type { AuditRow } from "./queries";

let nextId = 10;
function row(resource: string, after: unknown, action = "agent.config.update"): AuditRow {
  nextId -= 1;
  return {
    id: nextId,
    actor: "admin",
    actor_token_id: 1,
    actor_role: "admin",
    action,
    resource_type: "agent",
    resource_id: resource,
    diff: { request: {}, after },
    request_id: `r${nextId}`,
    at: "2026-12-06T10:00:00Z",
  };
}

const ROWS = [
  row("edge-1", { version: 2, config: { scan_interval: 10 } }),
  row("edge-2", { version: 1, config: {} }),
  row("edge-1", { version: 1, config: { scan_interval: 5 } }),
];

describe("stateBefore", () => {
  it("is the after of the same resource's previous row", () => {
    expect(stateBefore(ROWS, 0)).toEqual({ version: 1, config: { scan_interval: 5 } });
  });

  it("is unknown when the page holds no older row of that resource", () => {
    expect(stateBefore(ROWS, 1)).toBeUndefined();
    expect(stateBefore(ROWS, 2)).toBeUndefined();
  });
});

describe("auditDiff", () => {
  it("shows what changed between the two states", () => {
    const { diff, knownBefore } = auditDiff(ROWS, 0);
    expect(knownBefore).toBe(true);
    expect(diff).toContain("-  scan_interval: 5");
    expect(diff).toContain("+  scan_interval: 10");
    expect(diff).toContain("-version: 1");
  });

  it("shows the whole resource as added when the state before is unknown", () => {
    const { diff, knownBefore } = auditDiff(ROWS, 2);
    expect(knownBefore).toBe(false);
    expect(diff).toContain("+version: 1");
  });
});
