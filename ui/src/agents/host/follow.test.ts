import { describe, expect, it } from "vitest";

import { appendLines, followUrl } from "./follow";

describe("appendLines", () => {
  it("appends new lines and keeps a bounded window", () => {
    expect(appendLines(["a", "b"], { lines: ["c"], reset: false }, 2)).toEqual(["b", "c"]);
  });

  it("starts over when the file was truncated or rotated", () => {
    expect(appendLines(["a", "b"], { lines: ["fresh"], reset: true })).toEqual(["fresh"]);
  });
});

describe("followUrl", () => {
  it("encodes the agent and the path", () => {
    expect(followUrl("web 1", "/var/log/a b.log", 10, 3)).toBe(
      "/api/v1/agents/web%201/files/follow?path=%2Fvar%2Flog%2Fa+b.log&offset=10&inode=3",
    );
  });
});
