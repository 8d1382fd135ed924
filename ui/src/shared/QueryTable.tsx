import type { ReactNode } from "react";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "./ErrorNotice";

/** A column heading; `className` marks one that narrow screens drop (`optional`) or a
 * number (`num`). */
export type Column = string | { label: string; className: string };

/** What a list needs of its query (TanStack Query's result has it). */
export interface ListQuery {
  isError: boolean;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/** A list page's table: the query's error with a retry, loading, the empty message, or
 * the rows `children` makes from `rows` under `columns`. */
export function QueryTable<T>({
  query,
  rows,
  empty,
  className,
  columns,
  children,
}: {
  query: ListQuery;
  rows: readonly T[] | undefined;
  empty: ReactNode;
  className: string;
  columns: Column[];
  children: (rows: readonly T[]) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <>
      {query.isError && <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />}
      {query.isPending && <p className="muted">{t("common.loading")}</p>}
      {rows && rows.length === 0 && <p className="empty">{empty}</p>}
      {rows && rows.length > 0 && (
        <div className="table-scroll">
          <table className={className}>
            <thead>
              <tr>
                {columns.map((column) =>
                  typeof column === "string" ? (
                    <th scope="col" key={column}>
                      {column}
                    </th>
                  ) : (
                    <th scope="col" key={column.label} className={column.className}>
                      {column.label}
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>{children(rows)}</tbody>
          </table>
        </div>
      )}
    </>
  );
}
