import { describe, expect, it } from "vitest";

import { canActOnTasks } from "./roles";

describe("canActOnTasks", () => {
  it("lets admins and operators act, not viewers or agents", () => {
    expect(canActOnTasks("admin")).toBe(true);
    expect(canActOnTasks("operator")).toBe(true);
    expect(canActOnTasks("viewer")).toBe(false);
    expect(canActOnTasks("agent")).toBe(false);
  });
});
