import { useI18n } from "../i18n/I18n";
import { DiffView } from "../shared/DiffView";
import { textDiff } from "../shared/diff";
import { authorColumns, VersionsPanel } from "../shared/VersionsPanel";
import { knowledgeVersionsQuery, type KnowledgeVersion } from "./queries";

/** An entry's version as text to diff: its fields one after another, lists one a line. */
function asText(content: Record<string, unknown> | undefined): string {
  if (!content) return "";
  return Object.entries(content)
    .map(([name, value]) => {
      const shown = Array.isArray(value)
        ? value.join("\n")
        : typeof value === "object" && value !== null
          ? JSON.stringify(value)
          : String(value ?? "");
      return `## ${name}\n${shown}`;
    })
    .join("\n\n");
}

/** An entry's versions, newest first (the published one marked), and the diff between two. */
export function EntryVersions({ id, published }: { id: string; published: number | null }) {
  const { t } = useI18n();
  return (
    <VersionsPanel
      title={t("kb.versions")}
      query={knowledgeVersionsQuery(id)}
      columns={[
        {
          header: t("kb.col.comment"),
          cell: (v: KnowledgeVersion) => (
            <>
              {v.version === published && (
                <span className="badge badge-live">{t("kb.status.published")}</span>
              )}{" "}
              {v.comment}
            </>
          ),
        },
        ...authorColumns<KnowledgeVersion>(t),
      ]}
      renderDiff={(from, to, versions) => {
        const content = (n: number) => versions.find((v) => v.version === n)?.content;
        return (
          <DiffView
            diff={textDiff(asText(content(from)), asText(content(to)), `v${from}`, `v${to}`)}
          />
        );
      }}
    />
  );
}
