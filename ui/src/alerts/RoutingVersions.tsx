import { useQuery } from "@tanstack/react-query";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { DiffView } from "../shared/DiffView";
import { textDiff } from "../shared/diff";
import { Time } from "../shared/Time";
import { authorColumns, VersionsPanel } from "../shared/VersionsPanel";
import {
  routingVersionQuery,
  routingVersionsQuery,
  usePublishRouting,
  useRollbackRouting,
  type RoutingVersion,
} from "./queries";

/** Every version: who saved it and why, when it was last live; publish any other one, roll
 * back to the one live before, and the diff between any two. */
export function RoutingVersions() {
  const { t } = useI18n();
  const publish = usePublishRouting();
  const rollback = useRollbackRouting();
  return (
    <VersionsPanel
      title={t("rule.versions")}
      query={routingVersionsQuery()}
      columns={[
        { header: t("routing.col.comment"), cell: (v: RoutingVersion) => v.comment },
        ...authorColumns<RoutingVersion>(t),
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
      renderDiff={(from, to) => <RoutingDiff from={from} to={to} />}
    />
  );
}

/** Versions' texts are fetched one by one (the list leaves them out). */
function RoutingDiff({ from, to }: { from: number; to: number }) {
  const before = useQuery(routingVersionQuery(from));
  const after = useQuery(routingVersionQuery(to));
  if (!before.data || !after.data) return null;
  return <DiffView diff={textDiff(before.data.text, after.data.text, `v${from}`, `v${to}`)} />;
}
