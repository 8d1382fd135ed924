import { describe, expect, it } from "vitest";

import { configProblems } from "./configProblems";

const TEXT = "scan_interval: 5\nfavourite_colour: blue\nmax_in_flight: -1\n";

describe("configProblems", () => {
  it("marks each unknown key at its line, naming the allowed ones", () => {
    const message =
      "unknown or not pushable keys ['favourite_colour']; allowed: ['labels', 'roots']";
    expect(configProblems(TEXT, message)).toEqual([
      {
        path: "favourite_colour",
        line: 2,
        message: "unknown or not pushable key (allowed: ['labels', 'roots'])",
      },
    ]);
  });

  it("marks a validation problem at the key it names", () => {
    const problems = configProblems(TEXT, "max_in_flight: Input should be greater than 0");
    expect(problems).toEqual([
      { path: "max_in_flight", line: 3, message: "Input should be greater than 0" },
    ]);
  });

  it("keeps a message it cannot place, at line 1", () => {
    expect(configProblems(TEXT, "something else went wrong")).toEqual([
      { path: "", line: 1, message: "something else went wrong" },
    ]);
  });
});
