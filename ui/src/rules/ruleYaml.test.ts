import { describe, expect, it } from "vitest";

import { documentDiff, parseRule, parseRulesFile } from "./ruleYaml";

describe("parseRule", () => {
  it("reads a mapping", () => {
    expect(parseRule("name: a\npriority: 1\n")).toEqual({
      ok: true,
      document: { name: "a", priority: 1 },
    });
  });

  it("puts a syntax error at its line", () => {
    const parsed = parseRule("name: a\nmatch: [oops\n");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });
});

describe("documentDiff", () => {
  it("is empty for equal documents, whatever their key order", () => {
    expect(documentDiff({ a: 1, b: 2 }, { b: 2, a: 1 }, "v1", "v2")).toBe("");
  });

  it("is a unified diff otherwise", () => {
    const diff = documentDiff({ name: "a", priority: 1 }, { name: "a", priority: 2 }, "v1", "v2");
    expect(diff).toContain("--- v1");
    expect(diff).toContain("+++ v2");
    expect(diff).toContain("-priority: 1");
    expect(diff).toContain("+priority: 2");
  });
});

describe("parseRulesFile", () => {
  it("reads a list or a single rule", () => {
    expect(parseRulesFile("- name: a\n- name: b\n")).toEqual([{ name: "a" }, { name: "b" }]);
    expect(parseRulesFile("name: a\n")).toEqual([{ name: "a" }]);
  });

  it("refuses what is not a rule", () => {
    expect(() => parseRulesFile("- 1\n")).toThrow();
  });
});
