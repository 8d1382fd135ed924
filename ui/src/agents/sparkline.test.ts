import { describe, expect, it } from "vitest";

import { percent, sparkPoints } from "./sparkline";

describe("sparkPoints", () => {
  it("spreads the values across the width and scales them to the height", () => {
    expect(sparkPoints([0, 50, 100], 100, 20, 100)).toBe("0.0,20.0 50.0,10.0 100.0,0.0");
  });
  it("scales to the largest value without a max and clamps to the box", () => {
    expect(sparkPoints([1, 2], 10, 10)).toBe("0.0,5.0 10.0,0.0");
    expect(sparkPoints([-1, 200], 10, 10, 100)).toBe("0.0,10.0 10.0,0.0");
  });
  it("draws nothing from fewer than two values", () => {
    expect(sparkPoints([3], 10, 10)).toBe("");
  });
});

describe("percent", () => {
  it("shows small ratios with a decimal", () => {
    expect(percent(0.053)).toBe("5.3%");
    expect(percent(0.91)).toBe("91%");
  });
});
