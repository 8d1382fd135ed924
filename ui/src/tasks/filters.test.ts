import { describe, expect, it } from "vitest";

import {
  PAGE_SIZE,
  fromLocalInput,
  listQuery,
  searchFromView,
  toLocalInput,
  viewFromSearch,
} from "./filters";

describe("the task view in the URL", () => {
  it("round-trips every filter and the cursor", () => {
    const view = {
      filters: {
        status: "failed" as const,
        agent_id: "web-01",
        rule_id: 7,
        error_class: "network",
        path: "dumps/",
        created_from: "2026-03-01T00:00:00.000Z",
        created_to: "2026-03-02T12:30:00.000Z",
      },
      cursor: "opaque-cursor",
    };
    const search = searchFromView(view);
    expect(search.toString()).toBe(
      "status=failed&agent_id=web-01&rule_id=7&error_class=network&path=dumps%2F" +
        "&created_from=2026-03-01T00%3A00%3A00.000Z&created_to=2026-03-02T12%3A30%3A00.000Z" +
        "&cursor=opaque-cursor",
    );
    expect(viewFromSearch(new URLSearchParams(search.toString()))).toEqual(view);
  });

  it("leaves out what a shared link cannot mean", () => {
    const search = new URLSearchParams(
      "status=exploded&rule_id=-3&created_from=yesterday&agent_id=%20%20&path=x&utm=1",
    );
    expect(viewFromSearch(search)).toEqual({ filters: { path: "x" } });
  });

  it("normalises times to UTC", () => {
    const search = new URLSearchParams("created_from=2026-03-01T08:00:00%2B08:00");
    expect(viewFromSearch(search).filters.created_from).toBe("2026-03-01T00:00:00.000Z");
  });

  it("is empty for the plain list", () => {
    expect(searchFromView({ filters: {} }).toString()).toBe("");
    expect(viewFromSearch(new URLSearchParams())).toEqual({ filters: {} });
  });
});

describe("listQuery", () => {
  it("asks the API for a page with the view's filters and cursor", () => {
    expect(listQuery({ filters: { status: "running", rule_id: 2 }, cursor: "c" })).toEqual({
      status: "running",
      rule_id: 2,
      limit: PAGE_SIZE,
      cursor: "c",
    });
    expect(listQuery({ filters: {} })).toEqual({ limit: PAGE_SIZE });
  });
});

describe("datetime-local inputs", () => {
  it("show an instant as wall-clock time and read it back", () => {
    const iso = "2026-03-01T08:15:00.000Z";
    const shown = toLocalInput(iso);
    expect(shown).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(shown)).toBe(iso);
    expect(fromLocalInput("")).toBeUndefined();
  });
});
