// The silence form's pure pieces: its fields as the API's request, and what a state shows as.

import type { SilenceCreate } from "./queries";

export type SilenceForm = {
  matchers: string; // one per line
  duration: string; // like "2h"
  windows: string; // one weekly window per line, like "Sat 02:00-04:00"; none: all the time
  timezone: string;
  comment: string;
  notifyResolved: boolean;
  notifyOnExpiry: boolean;
};

export const DURATIONS = ["1h", "2h", "4h", "12h", "1d", "3d", "7d"] as const;

export const EMPTY_FORM: SilenceForm = {
  matchers: "",
  duration: "2h",
  windows: "",
  timezone: "UTC",
  comment: "",
  notifyResolved: false,
  notifyOnExpiry: false,
};

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** The create request for `form`: matchers and windows one a line, a recurrence only with
 * windows (the API checks the rest and says what is wrong). */
export function silenceRequest(form: SilenceForm): SilenceCreate {
  const windows = lines(form.windows);
  return {
    matchers: lines(form.matchers),
    duration: form.duration.trim(),
    comment: form.comment.trim(),
    notify_resolved: form.notifyResolved,
    notify_on_expiry: form.notifyOnExpiry,
    ...(windows.length > 0
      ? { recurrence: { windows, timezone: form.timezone.trim() || "UTC" } }
      : {}),
  };
}
