import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { roleValues } from "../api/schema";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18n";
import { DiffView } from "../shared/DiffView";
import "../rules/rules.css";
import { sortedYaml } from "../rules/ruleYaml";
import { ErrorNotice } from "../shared/ErrorNotice";
import { FilterBar } from "../shared/FilterBar";
import { Time } from "../shared/Time";
import { useUrlView } from "../shared/urlView";
import { Pager } from "../tasks/Pager";
import { auditDiff } from "./auditDiff";
import { AUDIT_FILTERS, auditListQuery, type AuditRow } from "./queries";

const roleKey = (role: string) =>
  (roleValues as readonly string[]).includes(role)
    ? (`role.${role}` as MessageKey)
    : "audit.otherRole";

const RESOURCE_TYPES = ["task", "rule", "agent", "channel", "token", "session", "alert"];

/** Every API mutation, newest first: who, what, which resource, and what it changed. */
export function AuditPage() {
  const { t } = useI18n();
  const view = useUrlView(AUDIT_FILTERS);
  const rows = useQuery({
    ...auditListQuery(view.filters, view.cursor),
    placeholderData: keepPreviousData,
  });
  const page = rows.data;
  return (
    <section>
      <div className="page-title">
        <h1>{t("audit.title")}</h1>
      </div>
      <FilterBar
        key={JSON.stringify(view.filters)}
        filters={view.filters}
        onApply={view.apply}
        fields={[
          { key: "actor", label: t("audit.actor"), kind: "text" },
          { key: "action", label: t("audit.action"), kind: "text" },
          {
            key: "resource_type",
            label: t("audit.resource"),
            kind: "select",
            options: RESOURCE_TYPES.map((type) => ({ value: type, label: type })),
          },
          { key: "since", label: t("audit.since"), kind: "instant" },
        ]}
      />
      {rows.isPending && <p className="muted">{t("common.loading")}</p>}
      {rows.isError && <ErrorNotice error={rows.error} onRetry={() => rows.refetch()} />}
      {page && page.items.length === 0 && <p className="empty">{t("audit.empty")}</p>}
      {page && page.items.length > 0 && (
        <ol className="audit-rows">
          {page.items.map((row, index) => (
            <AuditEntry key={row.id} rows={page.items} index={index} row={row} />
          ))}
        </ol>
      )}
      <Pager {...view.pager(page?.next_cursor)} />
    </section>
  );
}

function AuditEntry({ rows, index, row }: { rows: AuditRow[]; index: number; row: AuditRow }) {
  const { t } = useI18n();
  return (
    <li className="card" data-action={row.action}>
      <details>
        <summary>
          <Time iso={row.at} /> <strong>{row.action}</strong>{" "}
          {row.resource_id && (
            <code>
              {row.resource_type} {row.resource_id}
            </code>
          )}{" "}
          <span className="muted">
            {t("audit.by", { actor: row.actor })}
            {row.actor_role && ` (${t(roleKey(row.actor_role))})`}
          </span>
        </summary>
        <AuditChange rows={rows} index={index} />
        <h3>{t("audit.request")}</h3>
        <pre className="diff">{sortedYaml((row.diff as { request?: unknown }).request) || "—"}</pre>
        <p className="muted">{t("audit.requestId", { id: row.request_id })}</p>
      </details>
    </li>
  );
}

function AuditChange({ rows, index }: { rows: AuditRow[]; index: number }) {
  const { t } = useI18n();
  const { diff, knownBefore } = auditDiff(rows, index);
  return (
    <>
      <h3>{t("audit.change")}</h3>
      {!knownBefore && <p className="hint">{t("audit.noBefore")}</p>}
      <DiffView diff={diff} />
    </>
  );
}
