// The routing page's pure pieces: the API's problems (each at its line), labels typed as
// `name=value` lines.

import type { LineProblem } from "../rules/problems";

/** A routing document the API refused: `problems` are at the lines of its text. */
export class RoutingInvalid extends Error {
  readonly problems: LineProblem[];

  constructor(message: string, problems: LineProblem[]) {
    super(message);
    this.name = "RoutingInvalid";
    this.problems = problems;
  }

  /** The refusal a 422 body describes, if it is `invalid_routing` with problems. */
  static from(body: unknown): RoutingInvalid | undefined {
    const error = (body as { error?: { code?: unknown; message?: unknown; problems?: unknown } })
      ?.error;
    if (error?.code !== "invalid_routing" || !Array.isArray(error.problems)) return undefined;
    const problems = error.problems.flatMap((p: unknown) => {
      const { path, line, message } = (p ?? {}) as Record<string, unknown>;
      return typeof line === "number" && typeof message === "string"
        ? [{ path: typeof path === "string" ? path : "", line, message }]
        : [];
    });
    return new RoutingInvalid(String(error.message ?? ""), problems);
  }
}

export type ParsedLabels = { labels: Record<string, string>; errors: string[] };

/** `name=value` lines (blank lines skipped) as labels; a line without `=` is an error. */
export function parseLabels(text: string): ParsedLabels {
  const labels: Record<string, string> = {};
  const errors: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const at = line.indexOf("=");
    const name = at > 0 ? line.slice(0, at).trim() : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      errors.push(line);
      continue;
    }
    labels[name] = unquote(line.slice(at + 1).trim());
  }
  return { labels, errors };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}
