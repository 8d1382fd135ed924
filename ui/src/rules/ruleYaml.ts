// Rule documents as YAML text: the editor shows a document as written; diffs compare YAML with
// sorted keys, as the API's own version diffs do (sluice/rules/diff.py).

import { parseAllDocuments, parseDocument, stringify } from "yaml";

import { textDiff } from "../shared/diff";
import type { Problem } from "./problems";
import type { RuleDocument } from "./queries";

export const NEW_RULE_YAML = [
  "name: new-rule",
  "priority: 100",
  "enabled: true",
  "match:",
  '  globs: ["**/*.log"]',
  "pipeline:",
  "  - upload: {}",
  "  - verify: {}",
  "",
].join("\n");

export function toYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0 });
}

export function sortedYaml(document: unknown): string {
  return document === undefined || document === null
    ? ""
    : stringify(document, { sortMapEntries: true, lineWidth: 0 });
}

/** A unified diff of two documents' sorted YAML; "" when they are equal. */
export function documentDiff(before: unknown, after: unknown, from: string, to: string): string {
  return textDiff(sortedYaml(before), sortedYaml(after), from, to);
}

export type Parsed =
  { ok: true; document: RuleDocument } | { ok: false; problems: (Problem & { line: number })[] };

/** The editor's text as one rule document, or its YAML syntax errors at their lines. */
export function parseRule(text: string): Parsed {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        path: "",
        message: firstLine(error.message),
        line: error.linePos?.[0].line ?? 1,
      })),
    };
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problems: [{ path: "", message: "not a mapping", line: 1 }] };
  }
  return { ok: true, document: value as RuleDocument };
}

/** A rules file as the CLI's rules apply command reads it: a list of documents (or one document). */
export function parseRulesFile(text: string): RuleDocument[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error("empty file");
  const values: unknown[] = docs.flatMap((doc) => {
    const error = doc.errors[0];
    if (error) throw new Error(firstLine(error.message));
    const value: unknown = doc.toJS();
    return Array.isArray(value) ? value : [value];
  });
  for (const value of values) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("each rule must be a mapping");
    }
  }
  return values as RuleDocument[];
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}
