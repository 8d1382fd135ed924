// Search a file for a keyword or an RE2 regex: matching lines with their numbers, and whether
// the search reached the end of the file or stopped at a bound.

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { useI18n } from "../../i18n/I18n";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { searchQuery, type SearchQuery } from "./queries";

export function SearchTab({ agentId, path }: { agentId: string; path: string }) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [regex, setRegex] = useState(false);
  const [asked, setAsked] = useState<SearchQuery>();
  const result = useQuery({
    ...searchQuery(agentId, path, asked ?? { q: "", regex: false }),
    enabled: asked !== undefined,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text) setAsked({ q: text, regex });
  };
  return (
    <div className="host-search">
      <form className="row" onSubmit={submit} role="search">
        <input
          type="search"
          value={text}
          maxLength={1000}
          aria-label={t("host.query")}
          placeholder={t("host.query")}
          onChange={(event) => setText(event.target.value)}
        />
        <label>
          <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} />{" "}
          {t("host.regex")}
        </label>
        <button type="submit">{t("host.search")}</button>
      </form>
      {asked && result.isFetching && <p className="muted">{t("common.loading")}</p>}
      {result.isError && <ErrorNotice error={result.error} />}
      {result.data && (
        <>
          <p className="muted">
            {t("host.found", { count: result.data.matches.length, lines: result.data.lines_read })}
            {!result.data.complete &&
              ` ${t(`host.stoppedBy.${result.data.stopped_by || "bytes"}`)}`}
          </p>
          <table className="host-matches">
            <tbody>
              {result.data.matches.map((match) => (
                <tr key={match.line}>
                  <td className="line-no">{match.line}</td>
                  <td>
                    <code>{match.text}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
