// The `analyze` step's result, as its step record keeps it: the whole answer as compact JSON
// under `summary.analysis` (workflows/action_steps.py `analysis_summary`).

import type { Schemas } from "../api/client";

type Step = Schemas["StepPublic"];

export interface Analysis {
  step: string;
  summary: string;
  severity: string;
  keyErrors: string[];
  causes: string[];
  suggestions: string[];
  confidence: number | null;
  model: string;
  degraded: boolean;
  errorClass: string;
  truncated: boolean;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** The analysis each `analyze` step recorded, in step order; steps without one are skipped. */
export function analysesOf(steps: readonly Step[]): Analysis[] {
  const found: Analysis[] = [];
  for (const step of steps) {
    if (step.step_type !== "analyze") continue;
    const recorded = step.summary?.analysis;
    let data: Record<string, unknown> = {};
    if (recorded) {
      try {
        const parsed: unknown = JSON.parse(recorded);
        if (typeof parsed === "object" && parsed !== null) data = parsed as Record<string, unknown>;
      } catch {
        data = {};
      }
    }
    const summary = text(data.summary) || text(step.summary?.summary);
    if (!summary) continue;
    found.push({
      step: step.name,
      summary,
      severity: text(data.severity) || text(step.summary?.severity),
      keyErrors: strings(data.key_errors),
      causes: strings(data.causes),
      suggestions: strings(data.suggestions),
      confidence: typeof data.confidence === "number" ? data.confidence : null,
      model: text(data.model),
      degraded: data.degraded === true || step.summary?.degraded === "true",
      errorClass: text(data.error_class) || text(step.summary?.error_class),
      truncated: data.truncated === true,
    });
  }
  return found;
}
