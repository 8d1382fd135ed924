import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { canEditChannels } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { ChannelForm } from "./ChannelForm";
import { secretNames, type Channel } from "./channelForm";
import { NotificationHistory } from "./NotificationHistory";
import { channelListQuery, useDeleteChannel, useTestChannel } from "./queries";

/** Notification channels (create, change, delete, send a test) and the delivery history. */
export function ChannelsPage() {
  const { t } = useI18n();
  const channels = useQuery(channelListQuery());
  const editable = canEditChannels(usePrincipal().role);
  const [editing, setEditing] = useState<number | "new">();

  return (
    <section>
      <div className="page-title">
        <h1>{t("channels.title")}</h1>
        {editable && editing === undefined && (
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            {t("channels.new")}
          </button>
        )}
      </div>
      {editing === "new" && <ChannelForm onDone={() => setEditing(undefined)} />}
      {channels.isPending && <p className="muted">{t("common.loading")}</p>}
      {channels.isError && (
        <ErrorNotice error={channels.error} onRetry={() => channels.refetch()} />
      )}
      {channels.data && channels.data.length === 0 && (
        <p className="empty">{t("channels.empty")}</p>
      )}
      {channels.data && channels.data.length > 0 && (
        <ul className="channel-list">
          {channels.data.map((channel) =>
            editing === channel.id ? (
              <li key={channel.id}>
                <ChannelForm channel={channel} onDone={() => setEditing(undefined)} />
              </li>
            ) : (
              <ChannelRow
                key={channel.id}
                channel={channel}
                editable={editable}
                onEdit={() => setEditing(channel.id)}
              />
            ),
          )}
        </ul>
      )}
      <NotificationHistory channels={channels.data ?? []} />
    </section>
  );
}

function ChannelRow({
  channel,
  editable,
  onEdit,
}: {
  channel: Channel;
  editable: boolean;
  onEdit: () => void;
}) {
  const { t } = useI18n();
  const test = useTestChannel();
  const remove = useDeleteChannel();
  return (
    <li className="card channel" data-channel={channel.name}>
      <div className="row">
        <strong>{channel.name}</strong>
        <code>{channel.type}</code>
        <span className={channel.enabled === false ? "muted" : ""}>
          {channel.enabled === false ? t("channels.disabled") : t("channels.enabled")}
        </span>
        <span className="muted">
          <Time iso={channel.created_at} />
        </span>
      </div>
      <ul className="secret-states">
        {secretNames(channel.type, channel).map((name) => (
          <li key={name} data-secret={name}>
            <code>{name}</code>:{" "}
            {channel.secrets_set?.includes(name) ? t("channels.set") : t("channels.notSet")}
          </li>
        ))}
      </ul>
      {editable && (
        <div className="row">
          <button type="button" disabled={test.isPending} onClick={() => test.mutate(channel.id)}>
            {test.isPending ? t("channels.testing") : t("channels.test")}
          </button>
          <button type="button" onClick={onEdit}>
            {t("channels.edit")}
          </button>
          <ConfirmButton
            label={t("channels.delete")}
            question={t("channels.deleteConfirm", { name: channel.name })}
            confirm={t("channels.deleteYes")}
            keep={t("channels.keep")}
            disabled={remove.isPending}
            onConfirm={() => remove.mutate(channel.id)}
          />
        </div>
      )}
      {test.data && (
        <p role="status" data-testid="test-result" className={test.data.sent ? "" : "error-line"}>
          {test.data.sent
            ? t("channels.testSent")
            : t("channels.testFailed", {
                detail: [test.data.error_class, test.data.error].filter(Boolean).join(": "),
              })}
        </p>
      )}
      {test.error && <ErrorNotice error={test.error} />}
      {remove.error && <ErrorNotice error={remove.error} />}
    </li>
  );
}
