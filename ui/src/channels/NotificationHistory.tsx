import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { notificationStatusValues } from "../api/schema";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
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
      {rows.isError && <ErrorNotice error={rows.error} onRetry={() => rows.refetch()} />}
      {rows.data && rows.data.length === 0 && <p className="empty">{t("notifications.empty")}</p>}
      {rows.data && rows.data.length > 0 && (
        <div className="table-scroll">
          <table className="notifications stacked">
            <thead>
              <tr>
                <th scope="col">{t("notifications.col.at")}</th>
                <th scope="col">{t("notifications.channel")}</th>
                <th scope="col">{t("notifications.col.what")}</th>
                <th scope="col">{t("notifications.status")}</th>
                <th scope="col">{t("notifications.col.error")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map((row) => (
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
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
