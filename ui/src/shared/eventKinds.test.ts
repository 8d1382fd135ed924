import { describe, expect, it } from "vitest";

import type { MessageKey } from "../i18n/en";
import { CATALOGUES } from "../i18n/messages";
import { eventKindLabel } from "./eventKinds";

const zh = (key: MessageKey) => CATALOGUES["zh-CN"][key];
const en = (key: MessageKey) => CATALOGUES.en[key];

describe("eventKindLabel", () => {
  it("names the kinds of alert and ticket timelines in the reader's language", () => {
    expect(eventKindLabel(zh, "notified")).toBe("已通知");
    expect(eventKindLabel(zh, "acked")).toBe("已确认");
    expect(eventKindLabel(en, "status_changed")).toBe("status changed");
    expect(eventKindLabel(en, "unacked")).toBe("acknowledgement withdrawn");
  });

  it("shows a kind it does not know (a newer API's) as it came", () => {
    expect(eventKindLabel(zh, "reopened")).toBe("reopened");
    expect(eventKindLabel(zh, "constructor")).toBe("constructor");
  });
});
