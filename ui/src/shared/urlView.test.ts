import { describe, expect, it } from "vitest";

import { pickFilters, searchOf } from "./urlView";

const KEYS = ["agent_id", "path", "detected_from"] as const;

describe("pickFilters", () => {
  it("keeps the known, non-empty parameters, trimmed", () => {
    const search = new URLSearchParams("path=%20logs%20&agent_id=&other=x&cursor=abc");
    expect(pickFilters(search, KEYS)).toEqual({ path: "logs" });
  });
});

describe("searchOf", () => {
  it("writes filters in a fixed order, then the cursor, without empty values", () => {
    const search = searchOf(KEYS, { path: "a b", agent_id: "edge-1", detected_from: " " }, "c1");
    expect(search.toString()).toBe("agent_id=edge-1&path=a+b&cursor=c1");
  });

  it("round-trips through a URL", () => {
    const filters = { agent_id: "edge-1", detected_from: "2026-12-01T00:00:00.000Z" };
    expect(pickFilters(searchOf(KEYS, filters), KEYS)).toEqual(filters);
  });
});
