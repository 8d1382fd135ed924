import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { notificationStatusValues } from "../api/schema";
import { useI18n } from "../i18n/I18n";
import { QueryTable } from "../shared/QueryTable";
import { FilterBar } from "../shared/FilterBar";
import { Time } from "../shared/Time";
import { useUrlView } from "../shared/urlView";
import type { Channel } from "./channelForm";
import { NOTIFICATION_FILTERS, notificationListQuery } from "./queries";

/** What was sent (or not), newest first, with status and error; filtered in the URL. */
export function NotificationHistory({ channels }: { channels: Channel[] }) {
  const { t } = useI18n();
  const view = useUrlView(NOTIFICATION_FILTERS);
  const rows = useQuery({
    ...notificationListQuery(view.filters),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">{t("notifications.title")}</h2>
      <FilterBar
        key={JSON.stringify(view.filters)}
        filters={view.filters}
        onApply={view.apply}
        fields={[
          {
            key: "channel_id",
            label: t("notifications.channel"),
            kind: "select",
            options: channels.map((c) => ({ value: String(c.id), label: c.name })),
          },
          {
            key: "status",
            label: t("notifications.status"),
            kind: "select",
            options: notificationStatusValues.map((s) => ({
              value: s,
              label: t(`notifications.status.${s}`),
            })),
          },
        ]}
      />
      <QueryTable
        query={rows}
        rows={rows.data}
        empty={t("notifications.empty")}
        className="notifications stacked"
        columns={[
          t("notifications.col.at"),
          t("notifications.channel"),
          t("notifications.col.what"),
          t("notifications.status"),
          t("notifications.col.error"),
        ]}
      >
        {(items) =>
          items.map((row) => (
            <tr key={row.id} data-status={row.status}>
              <td>
                <Time iso={row.created_at} />
              </td>
              <td>{row.channel}</td>
              <td>
                {row.step || row.event_type}
                {row.title && <div className="muted">{row.title}</div>}
              </td>
              <td>
                <span className={`badge badge-notification-${row.status}`}>
                  {t(`notifications.status.${row.status ?? "pending"}`)}
                </span>
              </td>
              <td className="message">
                {row.error && <span className="error-line">{row.error}</span>}
              </td>
            </tr>
          ))
        }
      </QueryTable>
    </section>
  );
}
