import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { Pager } from "./Pager";
import { TaskFilterBar } from "./TaskFilterBar";
import { TaskTable } from "./TaskTable";
import { type TaskFilters, hasFilters, searchFromView, viewFromSearch } from "./filters";
import { taskListQuery } from "./queries";

/** The cursors this tab paged through to reach the current page ("" for the first). */
interface PagingState {
  trail?: string[];
}

export function TasksPage() {
  const { t } = useI18n();
  const [search] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const view = useMemo(() => viewFromSearch(search), [search]);
  const trail = (location.state as PagingState | null)?.trail ?? [];
  const tasks = useQuery({ ...taskListQuery(view), placeholderData: keepPreviousData });

  const go = (filters: TaskFilters, cursor: string | undefined, nextTrail: string[]) =>
    navigate(
      { search: searchFromView({ filters, cursor }).toString() },
      { state: { trail: nextTrail } },
    );

  const page = tasks.data;
  return (
    <section>
      <div className="page-title">
        <h1>{t("tasks.title")}</h1>
        {tasks.dataUpdatedAt > 0 && (
          <span className="muted" aria-live="off">
            {t("tasks.updated")} <Time iso={new Date(tasks.dataUpdatedAt).toISOString()} />
          </span>
        )}
      </div>
      <TaskFilterBar
        key={searchFromView({ filters: view.filters }).toString()}
        filters={view.filters}
        onApply={(filters) => go(filters, undefined, [])}
      />
      {tasks.isPending && <p className="muted">{t("common.loading")}</p>}
      {tasks.isError && <ErrorNotice error={tasks.error} onRetry={() => tasks.refetch()} />}
      {page && page.items.length > 0 && <TaskTable tasks={page.items} />}
      {page && page.items.length === 0 && (
        <p className="empty">
          {page.next_cursor
            ? t("tasks.windowEmpty")
            : hasFilters(view.filters) || view.cursor
              ? t("tasks.noMatch")
              : t("tasks.empty")}
        </p>
      )}
      <Pager
        atNewest={!view.cursor}
        canGoBack={trail.length > 0}
        nextCursor={page?.next_cursor}
        onNewest={() => go(view.filters, undefined, [])}
        onPrevious={() => go(view.filters, trail.at(-1) || undefined, trail.slice(0, -1))}
        onNext={(cursor) => go(view.filters, cursor, [...trail, view.cursor ?? ""])}
      />
    </section>
  );
}
