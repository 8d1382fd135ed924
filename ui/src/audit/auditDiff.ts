// What an audit row changed. A row keeps the request and the resource as the API answered
// (`diff.after`); the state before is the `after` of the same resource's previous row, when
// the page holds one (rows are newest first).

import { documentDiff } from "../rules/ruleYaml";
import type { AuditRow } from "./queries";

function after(row: AuditRow): unknown {
  return (row.diff as { after?: unknown }).after ?? null;
}

/** The resource as it was before `rows[index]`, from an older row of the same resource. */
export function stateBefore(rows: AuditRow[], index: number): unknown {
  const row = rows[index];
  if (!row || !row.resource_id) return undefined;
  for (const older of rows.slice(index + 1)) {
    if (older.resource_type !== row.resource_type || older.resource_id !== row.resource_id) {
      continue;
    }
    const state = after(older);
    if (state !== null && typeof state === "object") return state;
  }
  return undefined;
}

/** A unified diff from the state before (nothing, when unknown) to the row's `after`. */
export function auditDiff(rows: AuditRow[], index: number): { diff: string; knownBefore: boolean } {
  const row = rows[index]!;
  const before = stateBefore(rows, index);
  return {
    diff: documentDiff(before ?? null, after(row), "before", "after"),
    knownBefore: before !== undefined,
  };
}
