// The knowledge base: a search (the question in the URL, so it can be shared) with ranked
// matches and where each came in every ranking, or the newest entries filtered by status;
// "Drafts to review" is the drafts list. Operators start new entries here. Above them, the
// usage stats and the "Ask" box.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canEditKnowledge } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { AskBox } from "./AskBox";
import { KnowledgeStats } from "./KnowledgeStats";
import { ScoreParts } from "./ScoreParts";
import {
  KNOWLEDGE_PAGE,
  knowledgeListQuery,
  knowledgeSearchQuery,
  type KnowledgeEntry,
  type KnowledgeHit,
} from "./queries";
import "./knowledge.css";

export function KnowledgePage() {
  const { t } = useI18n();
  const principal = usePrincipal();
  const [search, setSearch] = useSearchParams();
  const q = search.get("q")?.trim() ?? "";
  const status = search.get("status") ?? "";
  const offset = Math.max(0, Number(search.get("offset")) || 0);
  const tag = search.get("tag")?.trim() || undefined;
  const [text, setText] = useState(q);
  const show = (next: { q?: string; status?: string; offset?: number; tag?: string }) => {
    const params = new URLSearchParams();
    if (next.q) params.set("q", next.q);
    if (next.status) params.set("status", next.status);
    if (next.tag) params.set("tag", next.tag);
    if (next.offset) params.set("offset", String(next.offset));
    setSearch(params);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    show({ q: text.trim(), status });
  };
  const reviewing = !q && status === "draft";

  return (
    <section className="knowledge">
      <div className="page-title">
        <h1>{reviewing ? t("kb.review") : t("kb.title")}</h1>
        {canEditKnowledge(principal.role) && (
          <Link className="button primary" to="/knowledge/new">
            {t("kb.new")}
          </Link>
        )}
      </div>
      <KnowledgeStats />
      <AskBox />
      <form className="row kb-search" role="search" onSubmit={submit}>
        <label className="field grow">
          <span>{t("kb.query")}</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <label className="field">
          <span>{t("kb.status")}</span>
          <select value={status} onChange={(e) => show({ q, tag, status: e.target.value })}>
            <option value="">{t("kb.anyStatus")}</option>
            <option value="draft">{t("kb.status.draft")}</option>
            <option value="published">{t("kb.status.published")}</option>
          </select>
        </label>
        <button type="submit" className="primary">
          {t("kb.search")}
        </button>
        {!reviewing && (
          <button type="button" onClick={() => (setText(""), show({ status: "draft" }))}>
            {t("kb.review")}
          </button>
        )}
      </form>
      {q ? (
        <SearchResults q={q} status={status} />
      ) : (
        <EntryList
          status={status}
          offset={offset}
          tag={tag}
          onPage={(to) => show({ status, tag, offset: to })}
        />
      )}
    </section>
  );
}

function SearchResults({ q, status }: { q: string; status: string }) {
  const { t } = useI18n();
  const hits = useQuery({ ...knowledgeSearchQuery(q, status), placeholderData: keepPreviousData });
  if (hits.isError) return <ErrorNotice error={hits.error} onRetry={() => hits.refetch()} />;
  if (!hits.data) return <p className="muted">{t("common.loading")}</p>;
  if (hits.data.items.length === 0) return <p className="empty">{t("kb.noMatches")}</p>;
  return (
    <ol className="kb-results" data-testid="kb-results">
      {hits.data.items.map((hit: KnowledgeHit) => (
        <li key={hit.entry.id} className="card">
          <EntryHeading entry={hit.entry} />
          <p className="muted kb-score">
            {t("kb.score", { score: hit.score.toFixed(3) })} <ScoreParts parts={hit.components} />
          </p>
          {hit.entry.symptoms && <p className="kb-snippet">{hit.entry.symptoms}</p>}
        </li>
      ))}
    </ol>
  );
}

function EntryList({
  status,
  offset,
  tag,
  onPage,
}: {
  status: string;
  offset: number;
  tag?: string;
  onPage: (offset: number) => void;
}) {
  const { t } = useI18n();
  const entries = useQuery({
    ...knowledgeListQuery(status, offset, tag),
    placeholderData: keepPreviousData,
  });
  if (entries.isError)
    return <ErrorNotice error={entries.error} onRetry={() => entries.refetch()} />;
  if (!entries.data) return <p className="muted">{t("common.loading")}</p>;
  const next = entries.data.next_offset;
  const pager = (
    <nav className="pager" aria-label={t("tasks.paging")}>
      <button type="button" disabled={offset === 0} onClick={() => onPage(0)}>
        {t("tasks.newest")}
      </button>
      <button
        type="button"
        disabled={offset === 0}
        onClick={() => onPage(Math.max(0, offset - KNOWLEDGE_PAGE))}
      >
        {t("tasks.previous")}
      </button>
      <button type="button" disabled={next == null} onClick={() => next != null && onPage(next)}>
        {t("tasks.next")}
      </button>
    </nav>
  );
  if (entries.data.items.length === 0) {
    return (
      <>
        <p className="empty">{t("kb.empty")}</p>
        {offset > 0 && pager}
      </>
    );
  }
  return (
    <>
      <ul className="kb-results" data-testid="kb-list">
        {entries.data.items.map((entry) => (
          <li key={entry.id} className="card">
            <EntryHeading entry={entry} />
            <p className="muted">
              {t("kb.updatedBy", { name: entry.updated_by || entry.author })}{" "}
              <Time iso={entry.updated_at} />
            </p>
          </li>
        ))}
      </ul>
      {pager}
    </>
  );
}

function EntryHeading({ entry }: { entry: KnowledgeEntry }) {
  const { t } = useI18n();
  return (
    <div className="kb-heading">
      <Link to={`/knowledge/${entry.id}`}>{entry.title}</Link>{" "}
      <span className={`kb-status kb-${entry.status}`}>
        {t(entry.status === "published" ? "kb.status.published" : "kb.status.draft")}
      </span>{" "}
      <span className="muted">
        {entry.key} · v{entry.version}
      </span>
      {entry.tags && entry.tags.length > 0 && (
        <span className="kb-tags">
          {entry.tags.map((tag) => (
            <Link key={tag} className="tag" to={`/knowledge?tag=${encodeURIComponent(tag)}`}>
              {tag}
            </Link>
          ))}
        </span>
      )}
    </div>
  );
}
