// "Ask": a question to the knowledge base, answered with `[KB-n]` citations linking to the
// entries it cites; without an LLM answer (degraded) a notice says why and the ranked entries
// are the answer. Operators say whether each cited entry helped.

import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { FeedbackButtons } from "./FeedbackButtons";
import { answerParts } from "./citations";
import { useAskKnowledge, type KnowledgeAnswer } from "./usage";

export function AskBox() {
  const { t, language } = useI18n();
  const [question, setQuestion] = useState("");
  const ask = useAskKnowledge();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (question.trim()) ask.mutate({ question: question.trim(), language });
  };
  return (
    <section className="card kb-ask" aria-labelledby="kb-ask">
      <h2 id="kb-ask">{t("kb.ask.title")}</h2>
      <form className="row" onSubmit={submit}>
        <label className="field grow">
          <span>{t("kb.ask.question")}</span>
          <input
            type="text"
            maxLength={2000}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={ask.isPending || !question.trim()}>
          {ask.isPending ? t("kb.ask.asking") : t("kb.ask.submit")}
        </button>
      </form>
      {ask.isError && <ErrorNotice error={ask.error} />}
      {ask.data && <Answer key={ask.data.ask_id} answer={ask.data} />}
    </section>
  );
}

function Answer({ answer }: { answer: KnowledgeAnswer }) {
  const { t } = useI18n();
  const cited = new Map(answer.citations.map((c) => [c.key, c.id]));
  return (
    <div data-testid="kb-answer">
      {answer.degraded ? (
        <p className="notice" role="status" data-testid="kb-degraded">
          {t("kb.ask.degraded", { why: answer.error_class ?? "unknown" })}
        </p>
      ) : (
        <p className="kb-answer-text">
          {answerParts(answer.answer, cited).map((part, index) =>
            "text" in part ? (
              <span key={index}>{part.text}</span>
            ) : (
              <Link key={index} to={`/knowledge/${part.id}`}>
                [{part.key}]
              </Link>
            ),
          )}
        </p>
      )}
      {answer.invalid_citations.length > 0 && (
        <p className="muted">
          {t("kb.ask.invalid", { keys: answer.invalid_citations.join(", ") })}
        </p>
      )}
      {!answer.degraded && answer.citations.length > 0 && (
        <>
          <h3>{t("kb.ask.cited")}</h3>
          <ul className="kb-results" data-testid="kb-cited">
            {answer.citations.map((c) => (
              <li key={c.id} className="card kb-heading">
                <span className="muted">{c.key}</span>
                <Link to={`/knowledge/${c.id}`}>{c.title}</Link>
                <FeedbackButtons entryId={c.id} context="answer" />
              </li>
            ))}
          </ul>
        </>
      )}
      {(answer.degraded || answer.citations.length === 0) && (
        <>
          <h3>{t("kb.ask.ranked")}</h3>
          {answer.entries.length === 0 && <p className="empty">{t("kb.noMatches")}</p>}
          <ol className="kb-results" data-testid="kb-ranked">
            {answer.entries.map((hit) => (
              <li key={hit.entry.id} className="card kb-heading">
                <span className="muted">{hit.entry.key}</span>
                <Link to={`/knowledge/${hit.entry.id}`}>{hit.entry.title}</Link>
                <FeedbackButtons entryId={hit.entry.id} context="answer" />
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
