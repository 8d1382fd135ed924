import { describe, expect, it } from "vitest";

import { ApiError } from "../api/errors";
import { en } from "../i18n/en";
import { fill } from "../i18n/messages";
import { describeError } from "./describeError";

const t = (key: keyof typeof en, vars?: Record<string, string | number>) => fill(en[key], vars);

describe("describeError", () => {
  it("says a 403 is a refusal, with the API's reason (a role, or CSRF)", () => {
    const error = ApiError.from(403, {
      error: { code: "forbidden", message: "role viewer may not POST /api/v1/tasks/t:retry" },
    });
    expect(describeError(t, error)).toBe(
      "Not allowed: role viewer may not POST /api/v1/tasks/t:retry",
    );
  });

  it("says a 503 means a service is away and nothing changed", () => {
    const error = ApiError.from(503, {
      error: { code: "temporal_unavailable", message: "Temporal is unreachable" },
    });
    expect(describeError(t, error)).toContain("nothing was changed");
    expect(describeError(t, error)).toContain("Temporal is unreachable");
  });

  it("names the status of an answer it has no words for", () => {
    expect(describeError(t, ApiError.from(502, undefined))).toBe("The API answered 502: HTTP 502");
  });

  it("says when the API cannot be reached", () => {
    expect(describeError(t, new TypeError("Failed to fetch"))).toBe(
      "Cannot reach the Sluice API: Failed to fetch",
    );
  });

  it("does not retry the API's refusals", async () => {
    const { isRetryable } = await import("../api/errors");
    expect(isRetryable(ApiError.from(409, undefined))).toBe(false);
    expect(isRetryable(ApiError.from(503, undefined))).toBe(true);
  });
});
