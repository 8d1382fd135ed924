import { describe, expect, it } from "vitest";

import { entryIdOf, startWait, waitState, WAIT_MS } from "./analysis";

describe("waiting for an asked-for analysis", () => {
  it("waits for one newer than the analysis shown when it asked", () => {
    const wait = startWait({ id: 7 }, 1_000);
    expect(wait).toEqual({ after: 7, until: 1_000 + WAIT_MS });
    expect(waitState(wait, { id: 7 }, 2_000)).toBe("running");
    expect(waitState(wait, { id: 8 }, 2_000)).toBe("done");
  });

  it("takes any analysis when none was shown", () => {
    const wait = startWait(null, 0, 5_000);
    expect(waitState(wait, null, 1_000)).toBe("running");
    expect(waitState(wait, { id: 1 }, 1_000)).toBe("done");
  });

  it("gives up at the deadline, unless the analysis is there", () => {
    const wait = startWait({ id: 3 }, 0, 5_000);
    expect(waitState(wait, { id: 3 }, 5_000)).toBe("timedOut");
    expect(waitState(wait, { id: 4 }, 9_000)).toBe("done");
  });

  it("is idle when it asked for nothing", () => {
    expect(waitState(undefined, { id: 1 }, 0)).toBe("idle");
  });
});

describe("entryIdOf", () => {
  it("reads KB-<id> keys only", () => {
    expect(entryIdOf("KB-12")).toBe(12);
    expect(entryIdOf("KB-")).toBeUndefined();
    expect(entryIdOf("12")).toBeUndefined();
    expect(entryIdOf("KB-1x")).toBeUndefined();
  });
});
