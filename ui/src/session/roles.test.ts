import { describe, expect, it } from "vitest";

import {
  canActOnTasks,
  canDecideAlertGroups,
  canEditChannels,
  canEditRules,
  canReadAudit,
  isAdmin,
} from "./roles";

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

describe("channels, audit and admin pages", () => {
  it("lets admins and operators change channels, read the audit log and decide alert groups, not viewers", () => {
    for (const check of [canEditChannels, canReadAudit, canDecideAlertGroups]) {
      expect(check("admin")).toBe(true);
      expect(check("operator")).toBe(true);
      expect(check("viewer")).toBe(false);
    }
  });

  it("keeps tokens and agent configs to admins", () => {
    expect(isAdmin("admin")).toBe(true);
    expect(isAdmin("operator")).toBe(false);
    expect(isAdmin("viewer")).toBe(false);
  });
});
