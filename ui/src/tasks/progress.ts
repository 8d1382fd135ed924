// When the detail page asks the workflow for upload progress. Task status changes arrive on
// the app's event stream, but bytes uploaded do not (they live in the upload's heartbeats),
// so the progress is refetched on a timer, and only while the task is in its upload stage.
// It is fetched again whenever the task's status changes (an event refreshes the task).

import type { Schemas } from "../api/client";
import type { TaskStatus } from "./filters";

type Step = Schemas["StepPublic"];
type Progress = Schemas["Progress"];

export const UPLOADING_MS = 1_000;

const FINISHED: readonly TaskStatus[] = ["succeeded", "failed", "cancelled", "ignored"];

export function isFinished(status: TaskStatus): boolean {
  return FINISHED.includes(status);
}

const STEP_DONE = new Set(["succeeded", "failed", "skipped", "cancelled", "compensated"]);

/** Whether the task is still running at all: only then does the workflow have progress. */
export function hasLiveProgress(status: TaskStatus): boolean {
  return !isFinished(status);
}

function uploadNames(steps: readonly Step[]): Set<string> {
  return new Set(["upload", ...steps.filter((s) => s.step_type === "upload").map((s) => s.name)]);
}

/** Whether `progress` says an upload step is running now. */
export function isUploading(steps: readonly Step[], progress: Progress | undefined): boolean {
  if (!progress) return false;
  const names = uploadNames(steps);
  return progress.running.some((name) => names.has(name));
}

/** How soon to ask again, or false. While an upload runs, and between steps while the
 * upload is still to come (a step starts soon); not while a step other than the upload runs,
 * while a person decides, or once the task has finished: a status change asks again then. */
export function progressRefetchMs(
  status: TaskStatus,
  steps: readonly Step[],
  progress: Progress | undefined,
): number | false {
  if (!progress || isFinished(status) || status === "waiting_approval") return false;
  if (isUploading(steps, progress)) return UPLOADING_MS;
  const between = progress.stage < 0 || progress.running.length === 0;
  const uploads = steps.filter((s) => s.step_type === "upload");
  const uploadAhead = uploads.length === 0 || uploads.some((s) => !STEP_DONE.has(s.status));
  return between && uploadAhead ? UPLOADING_MS : false;
}

/** Percent of `total` sent, 0–100, or null when the size is unknown. */
export function percentSent(sent: number, total: number | null | undefined): number | null {
  if (!total || total <= 0) return null;
  return Math.min(100, Math.max(0, Math.round((sent / total) * 100)));
}
