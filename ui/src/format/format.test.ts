import { describe, expect, it } from "vitest";

import { elapsedMs, formatDateTime, formatDuration, formatSize } from "./format";

describe("formatSize", () => {
  it("uses binary units", () => {
    expect(formatSize(18)).toBe("18 B");
    expect(formatSize(3 * 1024 * 1024)).toBe("3.0 MiB");
    expect(formatSize(null)).toBe("");
  });
});

describe("formatDuration", () => {
  it("picks the unit a person reads", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 5 s");
    expect(formatDuration(7_380_000)).toBe("2 h 3 min");
  });
});

describe("elapsedMs", () => {
  it("runs to now while a task has not finished", () => {
    const start = "2026-01-01T00:00:00Z";
    expect(elapsedMs(start, "2026-01-01T00:00:02Z")).toBe(2000);
    expect(elapsedMs(start, null, Date.parse("2026-01-01T00:01:00Z"))).toBe(60_000);
    expect(elapsedMs(null, null)).toBeNull();
  });
});

describe("formatDateTime", () => {
  it("shows the instant in the given time zone", () => {
    const iso = "2026-03-01T23:30:05+00:00";
    expect(formatDateTime(iso, "en", "Asia/Shanghai")).toContain("07:30:05");
    expect(formatDateTime(iso, "en", "UTC")).toContain("23:30:05");
    expect(formatDateTime(iso, "zh-CN", "Asia/Shanghai")).toContain("2026/03/02");
  });
});
