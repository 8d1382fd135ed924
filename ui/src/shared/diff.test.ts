import { describe, expect, it } from "vitest";

import { textDiff } from "./diff";

describe("textDiff", () => {
  it("is empty for equal texts and marks changed lines otherwise", () => {
    expect(textDiff("a: 1\n", "a: 1\n", "v1", "v2")).toBe("");
    const diff = textDiff("a: 1\nb: 2", "a: 1\nb: 3\n", "v1", "v2");
    expect(diff.split("\n")).toEqual(
      expect.arrayContaining(["--- v1", "+++ v2", "-b: 2", "+b: 3"]),
    );
    expect(diff).not.toContain("====");
  });
});
