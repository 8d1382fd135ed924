import { describe, expect, it } from "vitest";

import { diffChoices, initialDiff } from "./diffRange";

describe("initialDiff", () => {
  it("compares the newest version with the one listed after it, gaps and all", () => {
    expect(initialDiff([7, 4, 1], false)).toEqual({ from: 4, to: 7 });
    expect(initialDiff([3, 2, 1], true)).toEqual({ from: 2, to: 3 });
  });

  it("compares a first version with nothing, or with itself when nothing is no version", () => {
    expect(initialDiff([1], true)).toEqual({ from: 0, to: 1 });
    expect(initialDiff([5], false)).toEqual({ from: 5, to: 5 });
  });
});

describe("diffChoices", () => {
  it("offers v0 (nothing yet) last, only where a version can be compared with nothing", () => {
    expect(diffChoices([2, 1], true)).toEqual([2, 1, 0]);
    expect(diffChoices([2, 1], false)).toEqual([2, 1]);
  });
});
