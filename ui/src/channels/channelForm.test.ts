import { describe, expect, it } from "vitest";

import { createBody, draftOf, updateBody, type Channel } from "./channelForm";

const DING: Channel = {
  id: 3,
  name: "ops-ding",
  type: "dingtalk",
  config: { at_mobiles: ["138"] },
  enabled: true,
  created_at: "2026-12-06T10:00:00Z",
  secrets_set: ["secret", "url"],
};

describe("createBody", () => {
  it("sends the parsed config and only the secrets typed", () => {
    const draft = {
      ...draftOf(),
      name: " ops-hook ",
      config: "url: http://127.0.0.1:9/hook\n",
      secrets: { secret: "s3cret" },
    };
    expect(createBody(draft)).toEqual({
      ok: true,
      body: {
        name: "ops-hook",
        type: "webhook",
        enabled: true,
        config: { url: "http://127.0.0.1:9/hook" },
        secrets: { secret: "s3cret" },
      },
    });
  });

  it("accepts JSON and refuses a config that is not a mapping", () => {
    const json = createBody({ ...draftOf(), name: "x", config: '{"url": "http://h"}' });
    expect(json.ok && json.body.config).toEqual({ url: "http://h" });
    const list = createBody({ ...draftOf(), name: "x", config: "- a\n- b\n" });
    expect(list).toEqual({ ok: false, problem: "config", detail: "not a mapping" });
    expect(createBody({ ...draftOf(), config: "url: [" }).ok).toBe(false);
  });
});

describe("updateBody", () => {
  it("starts from the channel with every secret blank, never its value", () => {
    const draft = draftOf(DING);
    expect(draft.secrets).toEqual({});
    expect(draft.config).toBe('at_mobiles:\n  - "138"\n');
  });

  it("leaves secrets out when none is typed, so the stored ones are kept", () => {
    const built = updateBody({ ...draftOf(DING), enabled: false }, DING);
    expect(built).toEqual({
      ok: true,
      body: { name: "ops-ding", enabled: false, config: { at_mobiles: ["138"] } },
    });
  });

  it("replaces the secrets when all that are set are typed again", () => {
    const draft = { ...draftOf(DING), secrets: { url: "http://new", secret: "SECnew" } };
    const built = updateBody(draft, DING);
    expect(built.ok && built.body.secrets).toEqual({ url: "http://new", secret: "SECnew" });
  });

  it("refuses to drop a set secret that was left blank while another changes", () => {
    const draft = { ...draftOf(DING), secrets: { url: "http://new" } };
    expect(updateBody(draft, DING)).toEqual({
      ok: false,
      problem: "secretsTogether",
      detail: "secret",
    });
  });
});
