// An agent config the API refused (422 `invalid_config`, api/services/agents.py) as problems at
// the editor's lines: either "unknown or not pushable keys ['a', 'b']; allowed: [...]" (each
// key marked where it stands) or "path: message; path: message" from the settings' validation.

import { parseProblems, problemsAtLines, type LineProblem, type Problem } from "../rules/problems";

const UNKNOWN = /^unknown or not pushable keys \[(.*?)\]; (allowed: \[.*\])$/s;

export function configProblems(text: string, message: string): LineProblem[] {
  const unknown = UNKNOWN.exec(message);
  if (!unknown) return problemsAtLines(text, parseProblems(message));
  const keys = [...(unknown[1] ?? "").matchAll(/'([^']*)'/g)].map((match) => match[1] ?? "");
  const allowed = unknown[2] ?? "";
  const problems: Problem[] = keys.map((key) => ({
    path: key,
    message: `unknown or not pushable key (${allowed})`,
  }));
  return problemsAtLines(text, problems.length > 0 ? problems : [{ path: "", message }]);
}
