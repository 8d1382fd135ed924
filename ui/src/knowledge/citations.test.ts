import { describe, expect, it } from "vitest";

import { answerParts } from "./citations";

describe("answerParts", () => {
  it("links the citations of cited entries and keeps the rest as text", () => {
    const cited = new Map([["KB-3", 3]]);
    expect(answerParts("Rotate logs [KB-3]. See [KB-9].", cited)).toEqual([
      { text: "Rotate logs " },
      { key: "KB-3", id: 3 },
      { text: ". See [KB-9]." },
    ]);
  });

  it("answers the whole text when nothing is cited", () => {
    expect(answerParts("No idea.", new Map())).toEqual([{ text: "No idea." }]);
    expect(answerParts("", new Map())).toEqual([]);
  });
});
