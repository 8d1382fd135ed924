import { describe, expect, it } from "vitest";

import type { Schemas } from "../api/client";
import { analysesOf } from "./analysis";
import { UPLOADING_MS, percentSent, progressRefetchMs } from "./progress";

type Step = Schemas["StepPublic"];
type Progress = Schemas["Progress"];

const step = (name: string, stepType: string, status: Step["status"], summary = {}): Step => ({
  name,
  step_type: stepType,
  status,
  attempts: 1,
  error: "",
  error_class: "",
  duration_ms: 0,
  summary,
  attempt_history: [],
});

const progress = (running: string[], bytes = 0): Progress => ({
  task_id: "t",
  status: "running",
  stage: 0,
  stages: 1,
  running,
  rule: "r",
  waiting_for_approval: "",
  bytes_uploaded: bytes,
});

describe("when the upload progress is asked for again", () => {
  it("every second while an upload step runs, even one named otherwise", () => {
    const steps = [step("ship", "upload", "running")];
    expect(progressRefetchMs("running", steps, progress(["ship"], 10))).toBe(UPLOADING_MS);
    expect(progressRefetchMs("running", [], progress(["upload"]))).toBe(UPLOADING_MS);
  });

  it("between steps while the upload is to come; not during other steps, nor after it", () => {
    const ahead = [step("upload", "upload", "pending")];
    expect(progressRefetchMs("running", ahead, { ...progress([]), stage: -1 })).toBe(UPLOADING_MS);
    expect(progressRefetchMs("running", ahead, progress(["excerpt"]))).toBe(false);
    const done = [step("upload", "upload", "succeeded"), step("verify", "verify", "running")];
    expect(progressRefetchMs("running", done, progress([]))).toBe(false);
    expect(progressRefetchMs("running", done, progress(["verify"]))).toBe(false);
  });

  it("not without an answer from the workflow (none to ask again)", () => {
    expect(progressRefetchMs("running", [], undefined)).toBe(false);
  });

  it("not while a person decides, nor once the task has finished", () => {
    const steps = [step("upload", "upload", "running")];
    expect(progressRefetchMs("waiting_approval", steps, progress(["upload"]))).toBe(false);
    for (const status of ["succeeded", "failed", "cancelled", "ignored"] as const) {
      expect(progressRefetchMs(status, steps, progress(["upload"]))).toBe(false);
    }
  });

  it("shows a percentage only when the size is known", () => {
    expect(percentSent(5, 20)).toBe(25);
    expect(percentSent(30, 20)).toBe(100);
    expect(percentSent(5, null)).toBeNull();
    expect(percentSent(0, 0)).toBeNull();
  });
});

describe("the analysis a step recorded", () => {
  it("reads the whole answer from the step's summary", () => {
    const analysis = JSON.stringify({
      summary: "Heap exhausted by the cache.",
      severity: "high",
      key_errors: ["java.lang.OutOfMemoryError"],
      causes: ["unbounded cache"],
      suggestions: ["bound it", 3],
      confidence: 0.8,
      model: "m1",
      degraded: false,
      truncated: true,
    });
    const [found, ...rest] = analysesOf([
      step("upload", "upload", "succeeded"),
      step("explain", "analyze", "succeeded", { analysis, severity: "high" }),
    ]);
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      step: "explain",
      summary: "Heap exhausted by the cache.",
      severity: "high",
      keyErrors: ["java.lang.OutOfMemoryError"],
      suggestions: ["bound it"],
      confidence: 0.8,
      truncated: true,
    });
  });

  it("falls back to the short fields when the JSON is unreadable, and skips empty steps", () => {
    const steps = [
      step("a", "analyze", "succeeded", {
        analysis: "{not json",
        summary: "No errors found.",
        degraded: "true",
        error_class: "timeout",
      }),
      step("b", "analyze", "running"),
    ];
    expect(analysesOf(steps)).toMatchObject([
      { step: "a", summary: "No errors found.", degraded: true, errorClass: "timeout" },
    ]);
  });
});
