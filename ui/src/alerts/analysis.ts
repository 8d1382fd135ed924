// The pure parts of the analysis panel: waiting for an analysis it asked for (bounded, by the
// id of the analysis shown when it asked), and the knowledge entry a `KB-<id>` key names.

/** Poll the group every second while an asked-for analysis runs, for up to two minutes. */
export const POLL_MS = 1_000;
export const WAIT_MS = 120_000;

/** An analysis it waits for: one with an id above `after` (0: none was shown), until `until`. */
export interface AnalysisWait {
  after: number;
  until: number;
}

export type WaitState = "idle" | "running" | "done" | "timedOut";

export function startWait(
  shown: { id: number } | null | undefined,
  now: number,
  waitMs = WAIT_MS,
): AnalysisWait {
  return { after: shown?.id ?? 0, until: now + waitMs };
}

/** Done as soon as a newer analysis is there, even if it came after the deadline. */
export function waitState(
  wait: AnalysisWait | undefined,
  newest: { id: number } | null | undefined,
  now: number,
): WaitState {
  if (wait === undefined) return "idle";
  if (newest && newest.id > wait.after) return "done";
  return now >= wait.until ? "timedOut" : "running";
}

/** The knowledge entry's id in a `KB-<id>` key; undefined for anything else. */
export function entryIdOf(key: string): number | undefined {
  const match = /^KB-(\d+)$/.exec(key);
  return match ? Number(match[1]) : undefined;
}
