// Alert groups: the most recently changed first, filtered in the URL (status, route, assignee,
// acked), 50 a page with Newest / Previous / Next; each links to its detail, where operators
// decide. A group that changes while paging moves to the first page, never shown twice.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { QueryTable } from "../shared/QueryTable";
import { FilterBar } from "../shared/FilterBar";
import { Time } from "../shared/Time";
import { Pager } from "../tasks/Pager";
import { useUrlView } from "../shared/urlView";
import "./alerts.css";
import { AckedBy, GroupCounts, groupTitle } from "./GroupFacts";
import { GROUP_FILTERS, alertGroupListQuery } from "./groupQueries";

export function AlertGroupsPage() {
  const { t } = useI18n();
  const view = useUrlView(GROUP_FILTERS);
  const groups = useQuery({
    ...alertGroupListQuery(view.filters, view.cursor),
    placeholderData: keepPreviousData,
  });
  const page = groups.data;
  return (
    <section className="alerts">
      <div className="page-title">
        <h1>{t("groups.title")}</h1>
      </div>
      <FilterBar
        key={JSON.stringify(view.filters)}
        filters={view.filters}
        onApply={view.apply}
        fields={[
          {
            key: "status",
            label: t("alerts.status"),
            kind: "select",
            options: [
              { value: "firing", label: t("alerts.firing") },
              { value: "resolved", label: t("alerts.resolved") },
            ],
          },
          { key: "route", label: t("groups.route"), kind: "text" },
          { key: "assignee", label: t("groups.assignee"), kind: "text" },
          {
            key: "acked",
            label: t("groups.acked"),
            kind: "select",
            options: [
              { value: "true", label: t("groups.ackedYes") },
              { value: "false", label: t("groups.ackedNo") },
            ],
          },
        ]}
      />
      <QueryTable
        query={groups}
        rows={page?.items}
        empty={t("groups.empty")}
        className="group-list stacked"
        columns={[
          t("groups.group"),
          t("groups.route"),
          t("alerts.status"),
          t("groups.assignee"),
          t("groups.acked"),
          t("groups.escalationStep"),
          t("groups.lastNotified"),
          t("groups.updated"),
        ]}
      >
        {(items) =>
          items.map((group) => (
            <tr key={group.id} data-group={group.id}>
              <td className="file">
                <Link to={`/alerts/groups/${encodeURIComponent(group.id)}`}>
                  {groupTitle(group, t("groups.allAlerts"))}
                </Link>
              </td>
              <td data-label={t("groups.route")}>{group.route}</td>
              <td>
                <GroupCounts group={group} />
              </td>
              <td data-label={t("groups.assignee")}>{group.assignee || "—"}</td>
              <td data-label={t("groups.acked")}>
                <AckedBy group={group} />
              </td>
              <td data-label={t("groups.escalationStep")}>{group.escalation_step ?? 0}</td>
              <td data-label={t("groups.lastNotified")}>
                {group.last_notified_at ? <Time iso={group.last_notified_at} /> : "—"}
              </td>
              <td data-label={t("groups.updated")}>
                <Time iso={group.updated_at} />
              </td>
            </tr>
          ))
        }
      </QueryTable>
      <Pager {...view.pager(page?.next_cursor)} />
    </section>
  );
}
