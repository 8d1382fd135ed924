import { describe, expect, it } from "vitest";

import {
  agentStatusValues,
  notificationStatusValues,
  roleValues,
  stepStatusValues,
  taskStatusValues,
} from "../api/schema";
import { en } from "./en";
import { CATALOGUES, fill, initialLanguage, placeholders } from "./messages";

describe("catalogues", () => {
  const keys = Object.keys(en).sort();

  for (const [language, catalogue] of Object.entries(CATALOGUES)) {
    it(`${language} has every key, and only those, each non-empty`, () => {
      expect(Object.keys(catalogue).sort()).toEqual(keys);
      for (const key of keys) expect(catalogue[key as keyof typeof en].trim(), key).not.toBe("");
    });

    it(`${language} keeps each message's placeholders`, () => {
      for (const key of keys) {
        const k = key as keyof typeof en;
        expect(placeholders(catalogue[k]), key).toEqual(placeholders(en[k]));
      }
    });
  }

  it("names every status (task, step, agent, notification) and role the API can answer", () => {
    const needed = [
      ...taskStatusValues.map((s) => `status.${s}`),
      ...stepStatusValues.map((s) => `status.${s}`),
      ...roleValues.map((r) => `role.${r}`),
      ...agentStatusValues.map((s) => `agents.status.${s}`),
      ...notificationStatusValues.map((s) => `notifications.status.${s}`),
    ];
    expect(needed.filter((key) => !(key in en))).toEqual([]);
  });
});

describe("fill", () => {
  it("replaces the placeholders it is given and leaves the others", () => {
    expect(fill("{count} attempt(s) of {name}", { count: 2 })).toBe("2 attempt(s) of {name}");
  });
});

describe("initialLanguage", () => {
  it("prefers the remembered language", () => {
    expect(initialLanguage("en", ["zh-CN"])).toBe("en");
  });
  it("falls back to Chinese for a browser that prefers it, else English", () => {
    expect(initialLanguage(null, ["zh-TW", "en"])).toBe("zh-CN");
    expect(initialLanguage("fr", ["de-DE"])).toBe("en");
  });
});
