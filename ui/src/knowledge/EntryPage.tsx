// One knowledge entry (`/knowledge/:id`, or `/knowledge/new`): its fields in a plain form,
// saved as a new version; Publish makes the current version the one search serves. Viewers
// read the same form with every field locked and no buttons.

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canEditKnowledge } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { EntryVersions } from "./EntryVersions";
import {
  knowledgeDetailQuery,
  useCreateEntry,
  usePublishEntry,
  useSaveEntry,
  type KnowledgeDraft,
  type KnowledgeEntry,
} from "./queries";
import "./knowledge.css";

export function EntryPage() {
  const { t } = useI18n();
  const { entryId = "new" } = useParams();
  const isNew = entryId === "new";
  const entry = useQuery({ ...knowledgeDetailQuery(entryId), enabled: !isNew });
  return (
    <section className="knowledge">
      <Link to="/knowledge" className="back">
        ← {t("kb.back")}
      </Link>
      {isNew && <EntryForm key="new" />}
      {!isNew && entry.isPending && <p className="muted">{t("common.loading")}</p>}
      {entry.isError && <ErrorNotice error={entry.error} onRetry={() => entry.refetch()} />}
      {entry.data && (
        <>
          <EntryForm key={entry.data.id} entry={entry.data} />
          <EntryVersions id={entryId} published={entry.data.published_version ?? null} />
        </>
      )}
    </section>
  );
}

const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

function EntryForm({ entry }: { entry?: KnowledgeEntry }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const editable = canEditKnowledge(usePrincipal().role);
  const create = useCreateEntry();
  const save = useSaveEntry(String(entry?.id ?? ""));
  const publish = usePublishEntry(String(entry?.id ?? ""));
  const [fields, setFields] = useState({
    title: entry?.title ?? "",
    symptoms: entry?.symptoms ?? "",
    cause: entry?.cause ?? "",
    resolution: entry?.resolution ?? "",
    tags: (entry?.tags ?? []).join(", "),
    matchers: (entry?.matchers ?? []).join("\n"),
    links: (entry?.links ?? []).join("\n"),
    alertname: entry?.signature?.alertname ?? "",
    service: entry?.signature?.service ?? "",
    error: entry?.signature?.error ?? "",
    comment: "",
  });
  const set = (name: keyof typeof fields) => (event: { target: { value: string } }) =>
    setFields((current) => ({ ...current, [name]: event.target.value }));
  const mutation = entry ? save : create;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    publish.reset();
    const draft: KnowledgeDraft = {
      title: fields.title.trim(),
      symptoms: fields.symptoms,
      cause: fields.cause,
      resolution: fields.resolution,
      tags: fields.tags
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean),
      matchers: lines(fields.matchers),
      links: lines(fields.links),
      signature: { alertname: fields.alertname, service: fields.service, error: fields.error },
      ...(entry ? { comment: fields.comment.trim() } : {}),
    };
    if (entry) save.mutate(draft, { onSuccess: () => setFields((f) => ({ ...f, comment: "" })) });
    else create.mutate(draft, { onSuccess: (made) => navigate(`/knowledge/${made.id}`) });
  };
  const unpublished = entry && entry.published_version !== entry.version;
  const busy = mutation.isPending || publish.isPending;

  return (
    <form className="kb-form" onSubmit={submit}>
      <div className="page-title">
        <h1>{entry ? entry.title : t("kb.new")}</h1>
        {entry && (
          <span className="muted" data-testid="kb-state">
            {entry.key} · v{entry.version} ·{" "}
            {entry.published_version
              ? t("kb.publishedVersion", { version: entry.published_version })
              : t("kb.status.draft")}
          </span>
        )}
      </div>
      {entry && (
        <p className="muted">
          {t("kb.updatedBy", { name: entry.updated_by || entry.author })}{" "}
          <Time iso={entry.updated_at} />
          {entry.counters && (
            <>
              {" · "}
              {t("kb.counters", { ...entry.counters })}
            </>
          )}
        </p>
      )}
      <fieldset disabled={!editable || busy}>
        <label className="field">
          <span>{t("kb.field.title")}</span>
          <input required maxLength={300} value={fields.title} onChange={set("title")} />
        </label>
        <label className="field">
          <span>{t("kb.field.symptoms")}</span>
          <textarea rows={3} value={fields.symptoms} onChange={set("symptoms")} />
        </label>
        <label className="field">
          <span>{t("kb.field.cause")}</span>
          <textarea rows={3} value={fields.cause} onChange={set("cause")} />
        </label>
        <label className="field">
          <span>{t("kb.field.resolution")}</span>
          <textarea rows={6} value={fields.resolution} onChange={set("resolution")} />
        </label>
        <label className="field">
          <span>{t("kb.field.tags")}</span>
          <input value={fields.tags} onChange={set("tags")} />
        </label>
        <label className="field">
          <span>{t("kb.field.matchers")}</span>
          <textarea
            rows={2}
            placeholder='alertname="DiskFull"'
            value={fields.matchers}
            onChange={set("matchers")}
          />
        </label>
        <div className="row kb-signature">
          <label className="field">
            <span>{t("kb.field.alertname")}</span>
            <input value={fields.alertname} onChange={set("alertname")} />
          </label>
          <label className="field">
            <span>{t("kb.field.service")}</span>
            <input value={fields.service} onChange={set("service")} />
          </label>
        </div>
        <label className="field">
          <span>{t("kb.field.error")}</span>
          <textarea rows={2} value={fields.error} onChange={set("error")} />
        </label>
        <label className="field">
          <span>{t("kb.field.links")}</span>
          <textarea rows={2} value={fields.links} onChange={set("links")} />
        </label>
        {editable && entry && (
          <label className="field">
            <span>{t("kb.field.comment")}</span>
            <input maxLength={500} value={fields.comment} onChange={set("comment")} />
          </label>
        )}
      </fieldset>
      {editable && (
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !fields.title.trim()}>
            {entry ? t("kb.saveVersion") : t("kb.create")}
          </button>
          {unpublished && (
            <button
              type="button"
              disabled={busy}
              onClick={() => (save.reset(), publish.mutate(undefined))}
            >
              {t("kb.publish", { version: entry.version })}
            </button>
          )}
        </div>
      )}
      <div aria-live="polite">
        {save.isSuccess && <p className="notice">{t("kb.saved")}</p>}
        {publish.isSuccess && <p className="notice">{t("kb.published")}</p>}
      </div>
      {mutation.error && <ErrorNotice error={mutation.error} />}
      {publish.error && <ErrorNotice error={publish.error} />}
    </form>
  );
}
