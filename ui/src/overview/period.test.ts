import { describe, expect, it } from "vitest";

import {
  dashboardQuery,
  dayFromSearch,
  isoToLocalInput,
  localInputToIso,
  periodFromSearch,
  toSearch,
} from "./period";

const search = (query: string) => new URLSearchParams(query);

describe("period ↔ URL", () => {
  it("defaults to the last 24 hours and keeps the default out of the URL", () => {
    expect(periodFromSearch(search(""))).toEqual({ kind: "24h" });
    expect(toSearch({ kind: "24h" }, null).toString()).toBe("");
    expect(periodFromSearch(search("period=bogus"))).toEqual({ kind: "24h" });
  });

  it("round-trips presets, custom ranges and the day", () => {
    const custom = {
      kind: "custom",
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-02T00:00:00.000Z",
    } as const;
    for (const period of [{ kind: "1h" } as const, { kind: "7d" } as const, custom]) {
      const back = toSearch(period, "2026-12-05");
      expect(periodFromSearch(back)).toEqual(period);
      expect(dayFromSearch(back)).toBe("2026-12-05");
    }
    expect(dashboardQuery(custom)).toEqual({ from: custom.from, to: custom.to });
    expect(dashboardQuery({ kind: "1h" })).toEqual({ period: "1h" });
  });

  it("ignores a malformed range or day", () => {
    expect(periodFromSearch(search("from=x&to=y&period=1h"))).toEqual({ kind: "1h" });
    expect(dayFromSearch(search("day=5/12/2026"))).toBeNull();
  });

  it("converts datetime-local inputs to UTC and back", () => {
    const iso = localInputToIso("2026-12-05T08:30");
    expect(isoToLocalInput(iso)).toBe("2026-12-05T08:30");
  });
});
