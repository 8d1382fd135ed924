import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { DiffView } from "../shared/DiffView";
import { authorColumns, VersionsPanel, type VersionMutation } from "../shared/VersionsPanel";
import {
  ruleVersionsQuery,
  usePublishRule,
  useRollbackRule,
  type Rule,
  type RuleVersion,
} from "./queries";
import { documentDiff } from "./ruleYaml";

/** The rule's versions: publish a newer one, roll back to an older one, and the diff between
 * any two (the API's own diff for a version and the one before it). */
export function RuleVersions({ rule }: { rule: Rule }) {
  const { t } = useI18n();
  const publish = usePublishRule();
  const rollback = useRollbackRule();
  const live = rule.live_version ?? 0;
  const onThisRule = (mutation: VersionMutation<{ id: number; version: number }>) => ({
    mutate: (version: number) => mutation.mutate({ id: rule.id, version }),
    isPending: mutation.isPending,
    error: mutation.error,
  });
  return (
    <VersionsPanel
      title={t("rule.versions")}
      query={ruleVersionsQuery(rule.id)}
      columns={authorColumns<RuleVersion>(t)}
      actions={{
        allowed: canEditRules,
        publish: { mutation: onThisRule(publish), offered: (v) => !v.live && v.version > live },
        rollback: {
          to: "version",
          mutation: onThisRule(rollback),
          offered: (v) => !v.live && v.version < live,
        },
      }}
      fromNothing
      renderDiff={(from, to, versions) => {
        const before = versions.find((v) => v.version === from);
        const after = versions.find((v) => v.version === to);
        return (
          <DiffView
            diff={
              after && from === to - 1
                ? after.diff
                : documentDiff(before?.spec, after?.spec, `v${from}`, `v${to}`)
            }
          />
        );
      }}
    />
  );
}
