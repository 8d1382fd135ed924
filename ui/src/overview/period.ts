// The overview's period in the URL (`?period=24h`, or `?from=…&to=…` in UTC) and as the
// dashboard API's query; the daily report's day is `?day=YYYY-MM-DD`.

export const PERIODS = ["1h", "24h", "7d"] as const;
export type Preset = (typeof PERIODS)[number];
export type Period = { kind: Preset } | { kind: "custom"; from: string; to: string };

const DEFAULT: Period = { kind: "24h" };

export function periodFromSearch(search: URLSearchParams): Period {
  const from = search.get("from");
  const to = search.get("to");
  if (from && to && isTime(from) && isTime(to)) return { kind: "custom", from, to };
  const period = search.get("period");
  return (PERIODS as readonly string[]).includes(period ?? "")
    ? { kind: period as Preset }
    : DEFAULT;
}

/** The search string for `period` and `day`, keeping only what differs from the defaults. */
export function toSearch(period: Period, day: string | null): URLSearchParams {
  const search = new URLSearchParams();
  if (period.kind === "custom") {
    search.set("from", period.from);
    search.set("to", period.to);
  } else if (period.kind !== DEFAULT.kind) {
    search.set("period", period.kind);
  }
  if (day) search.set("day", day);
  return search;
}

export function dashboardQuery(period: Period): { period?: Preset; from?: string; to?: string } {
  return period.kind === "custom" ? { from: period.from, to: period.to } : { period: period.kind };
}

export function dayFromSearch(search: URLSearchParams): string | null {
  const day = search.get("day");
  return day && /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
}

/** A `datetime-local` input's value (browser time) as ISO UTC, and back. */
export function localInputToIso(value: string): string {
  return new Date(value).toISOString();
}

export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

function isTime(value: string): boolean {
  return !Number.isNaN(Date.parse(value));
}
