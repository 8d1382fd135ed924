import { describe, expect, it } from "vitest";

import { parseLabels, RoutingInvalid } from "./routing";
import { silenceRequest, EMPTY_FORM } from "./silences";

describe("RoutingInvalid.from", () => {
  it("keeps each problem with its line", () => {
    const body = {
      error: {
        code: "invalid_routing",
        message: "line 3: routes[0].matchers: bad",
        problems: [
          { path: "routes[0].matchers", line: 3, message: "bad" },
          { path: "", line: 1, message: "whole" },
          { nonsense: true },
        ],
      },
    };
    const invalid = RoutingInvalid.from(body);
    expect(invalid?.problems).toEqual([
      { path: "routes[0].matchers", line: 3, message: "bad" },
      { path: "", line: 1, message: "whole" },
    ]);
  });

  it("is not another refusal", () => {
    expect(RoutingInvalid.from({ error: { code: "invalid_request", message: "x" } })).toBe(
      undefined,
    );
    expect(RoutingInvalid.from(undefined)).toBe(undefined);
  });
});

describe("parseLabels", () => {
  it("reads name=value lines, unquoting values and naming bad lines", () => {
    expect(parseLabels('team=db\n\n severity = "critical" \nnot a label\n=x\nurl=a=b')).toEqual({
      labels: { team: "db", severity: "critical", url: "a=b" },
      errors: ["not a label", "=x"],
    });
  });
});

describe("silenceRequest", () => {
  it("sends matchers one a line and a recurrence only with windows", () => {
    const request = silenceRequest({
      ...EMPTY_FORM,
      matchers: ' alertname="Disk"\n\ninstance=~db-.* ',
      comment: " upgrade ",
      notifyOnExpiry: true,
    });
    expect(request).toEqual({
      matchers: ['alertname="Disk"', "instance=~db-.*"],
      duration: "2h",
      comment: "upgrade",
      notify_resolved: false,
      notify_on_expiry: true,
    });
    const weekly = silenceRequest({ ...EMPTY_FORM, windows: "Sat 02:00-04:00\n", timezone: "" });
    expect(weekly.recurrence).toEqual({ windows: ["Sat 02:00-04:00"], timezone: "UTC" });
  });
});
