import { describe, expect, it } from "vitest";

import { lineOfPath, parsePath, parseProblems, problemsAtLines } from "./problems";

const RULE = [
  "name: logs", // 1
  "priority: 10", // 2
  "match:", // 3
  "  globs:", // 4
  '    - "**/*.log"', // 5
  "pipeline:", // 6
  "  - upload:", // 7
  "      key: '{relpath}'", // 8
  "  - verify: {}", // 9
  "  - upload:", // 10
  "      part_size: 5MiB", // 11
  "      bucket: nope", // 12
].join("\n");

describe("parsePath", () => {
  it("splits keys and list indexes", () => {
    expect(parsePath("pipeline[1].upload.bucket")).toEqual(["pipeline", 1, "upload", "bucket"]);
    expect(parsePath("")).toEqual([]);
  });
});

describe("lineOfPath", () => {
  it("finds a top-level key and nested mappings", () => {
    expect(lineOfPath(RULE, "priority")).toBe(2);
    expect(lineOfPath(RULE, "match.globs")).toBe(4);
  });

  it("counts list items", () => {
    expect(lineOfPath(RULE, "match.globs[0]")).toBe(5);
    expect(lineOfPath(RULE, "pipeline[1]")).toBe(9);
    expect(lineOfPath(RULE, "pipeline[2].upload.bucket")).toBe(12);
    expect(lineOfPath(RULE, "pipeline[0].upload.key")).toBe(8);
  });

  it("reads flow style", () => {
    const flow = "name: x\npipeline: [{upload: {key: a}},\n  {upload: {bucket: b}}]\n";
    expect(lineOfPath(flow, "pipeline[1].upload.bucket")).toBe(3);
    expect(lineOfPath(flow, "pipeline[0].upload")).toBe(2);
  });

  it("falls back to the deepest part that exists, or the top", () => {
    expect(lineOfPath(RULE, "pipeline[2].upload.missing")).toBe(10);
    expect(lineOfPath(RULE, "pipeline[7].upload")).toBe(6);
    expect(lineOfPath(RULE, "nothing.here")).toBe(1);
    expect(lineOfPath(RULE, "")).toBe(1);
    expect(lineOfPath("not: [valid", "not")).toBeGreaterThanOrEqual(1);
  });
});

describe("parseProblems", () => {
  it("splits the API's message into paths and messages", () => {
    const message =
      'rule "logs": pipeline[2].upload.bucket: Extra inputs are not permitted; ' +
      "match: give at least one of globs, suffixes; a rule needs a pipeline";
    expect(parseProblems(message)).toEqual([
      { path: "pipeline[2].upload.bucket", message: "Extra inputs are not permitted" },
      { path: "match", message: "give at least one of globs, suffixes" },
      { path: "", message: "a rule needs a pipeline" },
    ]);
  });

  it("puts each problem at its line", () => {
    const problems = parseProblems('rule "logs": pipeline[2].upload.bucket: unknown');
    expect(problemsAtLines(RULE, problems)).toEqual([
      { path: "pipeline[2].upload.bucket", message: "unknown", line: 12 },
    ]);
  });
});
