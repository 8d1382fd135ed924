import { describe, expect, it } from "vitest";

import { splitHashToken } from "./hashToken";

describe("splitHashToken", () => {
  it("takes the token out of the fragment", () => {
    expect(splitHashToken("#token=sluice_abc")).toEqual({ token: "sluice_abc", hash: "" });
  });
  it("keeps the rest of the fragment", () => {
    expect(splitHashToken("#x=1&token=t&y=2")).toEqual({ token: "t", hash: "#x=1&y=2" });
  });
  it("leaves a fragment without a token alone", () => {
    expect(splitHashToken("#steps")).toEqual({ hash: "#steps" });
    expect(splitHashToken("")).toEqual({ hash: "" });
  });
  it("drops an empty token", () => {
    expect(splitHashToken("#token=")).toEqual({ token: undefined, hash: "" });
  });
});
