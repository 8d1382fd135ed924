import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import {
  CHANNEL_TYPES,
  configTemplate,
  createBody,
  draftOf,
  secretNames,
  updateBody,
  type Channel,
} from "./channelForm";
import { useCreateChannel, useUpdateChannel } from "./queries";

/** Create a channel (no `channel`) or change one. Secret fields are write-only: blank keeps
 * what is stored, and the stored value is never shown. */
export function ChannelForm({ channel, onDone }: { channel?: Channel; onDone: () => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(() => draftOf(channel));
  const [problem, setProblem] = useState<string>();
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const pending = create.isPending || update.isPending;
  const failure = create.error ?? update.error;
  const idBase = channel ? `channel-${channel.id}` : "channel-new";

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    const built = channel ? updateBody(draft, channel) : createBody(draft);
    if (!built.ok) {
      setProblem(
        built.problem === "config"
          ? t("channels.badConfig", { detail: built.detail })
          : t("channels.secretsTogether", { names: built.detail }),
      );
      return;
    }
    const done = { onSuccess: onDone };
    if (channel) update.mutate({ id: channel.id, body: built.body }, done);
    else create.mutate(built.body as Parameters<typeof create.mutate>[0], done);
  };

  return (
    <form className="card channel-form" onSubmit={submit} aria-labelledby={`${idBase}-title`}>
      <h2 id={`${idBase}-title`}>
        {channel ? t("channels.editTitle", { name: channel.name }) : t("channels.new")}
      </h2>
      <div className="row">
        <label className="field">
          {t("channels.col.name")}
          <input
            required
            value={draft.name}
            onChange={(event) => setDraft({ ...draft, name: event.target.value })}
          />
        </label>
        <label className="field">
          {t("channels.col.type")}
          <select
            value={draft.type}
            disabled={channel !== undefined}
            onChange={(event) =>
              setDraft({
                ...draft,
                type: event.target.value,
                config: configTemplate(event.target.value),
                secrets: {},
              })
            }
          >
            {CHANNEL_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label className="compact-field">
          <input
            type="checkbox"
            checked={draft.enabled}
            onChange={(event) => setDraft({ ...draft, enabled: event.target.checked })}
          />
          {t("channels.enabled")}
        </label>
      </div>
      <label className="field field-wide">
        {t("channels.config")}
        <textarea
          rows={5}
          spellCheck={false}
          value={draft.config}
          onChange={(event) => setDraft({ ...draft, config: event.target.value })}
        />
      </label>
      <fieldset className="secrets">
        <legend>{t("channels.secrets")}</legend>
        {secretNames(draft.type, channel).map((name) => {
          const set = channel?.secrets_set?.includes(name) ?? false;
          return (
            <label key={name} className="field">
              {t("channels.secretLabel", { name })}
              <input
                type="password"
                autoComplete="new-password"
                value={draft.secrets[name] ?? ""}
                placeholder={set ? t("channels.secretKeep") : t("channels.secretNotSet")}
                onChange={(event) =>
                  setDraft({ ...draft, secrets: { ...draft.secrets, [name]: event.target.value } })
                }
              />
            </label>
          );
        })}
      </fieldset>
      {problem && (
        <div className="notice notice-error" role="alert">
          {problem}
        </div>
      )}
      {failure && <ErrorNotice error={failure} />}
      <div className="row">
        <button type="submit" className="primary" disabled={pending}>
          {channel ? t("channels.save") : t("channels.create")}
        </button>
        <button type="button" onClick={onDone}>
          {t("channels.cancel")}
        </button>
      </div>
    </form>
  );
}
