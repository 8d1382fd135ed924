import { useQuery, type QueryKey, type UseQueryOptions } from "@tanstack/react-query";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { DiffView } from "./DiffView";
import { textDiff } from "./diff";
import { Time } from "./Time";
import { authorColumns, VersionsPanel, type Version, type VersionMutation } from "./VersionsPanel";

/** A version of a document published whole: the routing document, a rule set, an
 * Alertmanager config. */
export interface PublishedVersion extends Version {
  comment: string;
  published_at?: string | null;
  published_by: string;
}

/** Every version: who saved it and why, when it was last live; publish any other one, roll
 * back to the one live before, and the diff between any two (texts fetched one by one: the
 * list leaves them out). */
export function PublishedVersions<
  V extends PublishedVersion,
  K extends QueryKey,
  T extends { text: string },
  TK extends QueryKey,
>({
  query,
  publish,
  rollback,
  textQuery,
}: {
  query: UseQueryOptions<V[], Error, V[], K>;
  publish: VersionMutation<number>;
  rollback: VersionMutation<void>;
  textQuery: (version: number) => UseQueryOptions<T, Error, T, TK>;
}) {
  const { t } = useI18n();
  return (
    <VersionsPanel
      title={t("rule.versions")}
      query={query}
      columns={[
        { header: t("routing.col.comment"), cell: (v: V) => v.comment },
        ...authorColumns<V>(t),
        {
          header: t("routing.col.published"),
          cell: (v) => (
            <>
              <Time iso={v.published_at} /> {v.published_by}
            </>
          ),
        },
      ]}
      empty={t("routing.noVersions")}
      actions={{
        allowed: canEditRules,
        publish: { mutation: publish, offered: (v) => !v.live },
        rollback: {
          to: "previous",
          mutation: rollback,
          offered: (versions) => versions.filter((v) => v.published_at).length >= 2,
        },
      }}
      renderDiff={(from, to) => <TextDiff from={from} to={to} textQuery={textQuery} />}
    />
  );
}

function TextDiff<T extends { text: string }, TK extends QueryKey>({
  from,
  to,
  textQuery,
}: {
  from: number;
  to: number;
  textQuery: (version: number) => UseQueryOptions<T, Error, T, TK>;
}) {
  const before = useQuery(textQuery(from));
  const after = useQuery(textQuery(to));
  if (!before.data || !after.data) return null;
  return <DiffView diff={textDiff(before.data.text, after.data.text, `v${from}`, `v${to}`)} />;
}
