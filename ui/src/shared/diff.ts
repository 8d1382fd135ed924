// Unified diffs between two texts, as the console shows them (rules, alert routing, agent
// configs, the audit log): the file headers name the two sides, git's index lines are dropped.

import { createTwoFilesPatch } from "diff";

/** The unified diff of two texts; "" when they are equal. */
export function textDiff(before: string, after: string, from: string, to: string): string {
  if (before === after) return "";
  return createTwoFilesPatch(from, to, withNewline(before), withNewline(after), "", "", {
    context: 3,
  })
    .split("\n")
    .filter((line) => !line.startsWith("Index:") && !line.startsWith("===="))
    .join("\n");
}

function withNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}
