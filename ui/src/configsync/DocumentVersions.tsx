import { useQuery } from "@tanstack/react-query";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { DiffView } from "../shared/DiffView";
import { textDiff } from "../shared/diff";
import { Time } from "../shared/Time";
import { authorColumns, VersionsPanel } from "../shared/VersionsPanel";
import {
  usePublish,
  useRollback,
  versionQuery,
  versionsQuery,
  type ConfigVersion,
  type DocPath,
} from "./queries";

/** A document's versions: publish any other one, roll back to the one live before, and the
 * diff between any two. */
export function DocumentVersions({ kind, name }: { kind: DocPath; name: string }) {
  const { t } = useI18n();
  const publish = usePublish(kind, name);
  const rollback = useRollback(kind, name);
  return (
    <VersionsPanel
      title={t("rule.versions")}
      query={versionsQuery(kind, name)}
      columns={[
        { header: t("routing.col.comment"), cell: (v: ConfigVersion) => v.comment },
        ...authorColumns<ConfigVersion>(t),
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
      renderDiff={(from, to) => <VersionDiff kind={kind} name={name} from={from} to={to} />}
    />
  );
}

function VersionDiff({
  kind,
  name,
  from,
  to,
}: {
  kind: DocPath;
  name: string;
  from: number;
  to: number;
}) {
  const before = useQuery(versionQuery(kind, name, from));
  const after = useQuery(versionQuery(kind, name, to));
  if (!before.data || !after.data) return null;
  return <DiffView diff={textDiff(before.data.text, after.data.text, `v${from}`, `v${to}`)} />;
}
