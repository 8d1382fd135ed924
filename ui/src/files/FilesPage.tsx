import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { agentListQuery } from "../agents/queries";
import { formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { QueryTable } from "../shared/QueryTable";
import { FilterBar, type FilterField } from "../shared/FilterBar";
import { StatusBadge } from "../shared/StatusBadge";
import { Time } from "../shared/Time";
import { useUrlView } from "../shared/urlView";
import { Pager } from "../tasks/Pager";
import { FILE_FILTERS, fileListQuery } from "./queries";

type Key = (typeof FILE_FILTERS)[number];

/** Files the agents detected, newest first, with how many runs each had and the newest's status. */
export function FilesPage() {
  const { t } = useI18n();
  const view = useUrlView(FILE_FILTERS);
  const files = useQuery({
    ...fileListQuery(view.filters, view.cursor),
    placeholderData: keepPreviousData,
  });
  const agents = useQuery(agentListQuery());
  const fields: FilterField<Key>[] = [
    {
      key: "agent_id",
      label: t("files.agent"),
      kind: "select",
      options: (agents.data ?? []).map((a) => ({ value: a.id, label: a.id })),
    },
    { key: "path", label: t("files.path"), kind: "text" },
    { key: "detected_from", label: t("files.from"), kind: "instant" },
    { key: "detected_to", label: t("files.to"), kind: "instant" },
  ];
  const page = files.data;

  return (
    <section>
      <div className="page-title">
        <h1>{t("files.title")}</h1>
      </div>
      <FilterBar
        key={JSON.stringify(view.filters)}
        fields={fields}
        filters={view.filters}
        onApply={view.apply}
      />
      <QueryTable
        query={files}
        rows={page?.items}
        empty={page?.next_cursor ? t("tasks.windowEmpty") : t("files.empty")}
        className="files stacked"
        columns={[
          t("files.col.file"),
          t("files.col.runs"),
          t("files.col.latest"),
          { label: t("files.col.size"), className: "num optional" },
          t("files.col.detected"),
        ]}
      >
        {(items) =>
          items.map((file) => (
            <tr key={file.id} data-file-id={file.id}>
              <td className="file">
                <Link to={`/files/${encodeURIComponent(file.id)}`}>
                  {file.host}:{file.rel_path}
                </Link>
              </td>
              <td className="num" data-testid="runs">
                {t("files.runs", { count: file.runs })}
              </td>
              <td>{file.latest_status && <StatusBadge status={file.latest_status} />}</td>
              <td className="num optional">{formatSize(file.size)}</td>
              <td>
                <Time iso={file.detected_at} />
              </td>
            </tr>
          ))
        }
      </QueryTable>
      <Pager {...view.pager(page?.next_cursor)} />
    </section>
  );
}
