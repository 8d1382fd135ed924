// Rule validation problems at their line: the API refuses a rule with 422 `invalid_rule` and a
// message `rule "name": path: message; path: message` (sluice/rules/errors.py), where a path
// is like `pipeline[1].upload.bucket`; the editor marks each at the line of that key.

import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from "yaml";

export type Problem = { path: string; message: string };
export type LineProblem = Problem & { line: number };

type Segment = string | number;

const PATH = /^([A-Za-z_][\w-]*(?:\[\d+\]|\.[\w-]+)*): ([\s\S]*)$/;
const RULE_PREFIX = /^rule ".*?": /;

/** `pipeline[1].upload.bucket` -> ["pipeline", 1, "upload", "bucket"]; "" -> []. */
export function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : (match[1] ?? ""));
  }
  return segments;
}

/** The problems in an `invalid_rule` message (a problem without a path has path ""). */
export function parseProblems(message: string): Problem[] {
  return message
    .replace(RULE_PREFIX, "")
    .split("; ")
    .filter((part) => part.trim() !== "")
    .map((part) => {
      const match = PATH.exec(part);
      return match
        ? { path: match[1] ?? "", message: match[2] ?? "" }
        : { path: "", message: part };
    });
}

/** The 1-based line of the key (or list item) `path` names in `text`. A path that is only
 * partly there gives the line of its deepest part that is; one not there at all, line 1. */
export function lineOfPath(text: string, path: string): number {
  const doc = parseDocument(text, { keepSourceTokens: false });
  let node: unknown = doc.contents;
  let offset = 0;
  for (const segment of parsePath(path)) {
    const found = child(node, segment);
    if (!found) break;
    offset = found.offset;
    node = found.node;
  }
  return lineAt(text, offset);
}

/** Each problem with the line to mark. */
export function problemsAtLines(text: string, problems: Problem[]): LineProblem[] {
  return problems.map((problem) => ({ ...problem, line: lineOfPath(text, problem.path) }));
}

function child(node: unknown, segment: Segment): { node: unknown; offset: number } | undefined {
  if (isMap(node) && typeof segment === "string") {
    const pair = node.items.find(
      (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
    );
    const key = pair?.key as Node | undefined;
    if (pair && key?.range) return { node: pair.value, offset: key.range[0] };
  }
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment] as Node | undefined;
    if (item?.range) return { node: item, offset: item.range[0] };
  }
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}
