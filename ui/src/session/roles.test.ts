import { describe, expect, it } from "vitest";

import { canActOnTasks, canEditRules } from "./roles";

describe("canActOnTasks", () => {
  it("lets admins and operators act, not viewers or agents", () => {
    expect(canActOnTasks("admin")).toBe(true);
    expect(canActOnTasks("operator")).toBe(true);
    expect(canActOnTasks("viewer")).toBe(false);
    expect(canActOnTasks("agent")).toBe(false);
  });
});

describe("canEditRules", () => {
  it("lets admins and operators edit, publish and test rules, not viewers or agents", () => {
    expect(canEditRules("admin")).toBe(true);
    expect(canEditRules("operator")).toBe(true);
    expect(canEditRules("viewer")).toBe(false);
    expect(canEditRules("agent")).toBe(false);
  });
});
