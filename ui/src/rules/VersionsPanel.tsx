import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { DiffView } from "./DiffView";
import {
  ruleVersionsQuery,
  usePublishRule,
  useRollbackRule,
  type Rule,
  type RuleVersion,
} from "./queries";
import { documentDiff } from "./ruleYaml";

/** The rule's versions, newest first: publish a newer one, roll back to an older one, and the
 * diff between any two (the API's own diff for a version and the one before it). */
export function VersionsPanel({ rule }: { rule: Rule }) {
  const { t } = useI18n();
  const versions = useQuery(ruleVersionsQuery(rule.id));
  const editable = canEditRules(usePrincipal().role);
  const publish = usePublishRule();
  const rollback = useRollbackRule();
  const failure = publish.error ?? rollback.error;
  const live = rule.live_version ?? 0;

  return (
    <section className="card" aria-labelledby="rule-versions">
      <h2 id="rule-versions">{t("rule.versions")}</h2>
      {versions.isError && (
        <ErrorNotice error={versions.error} onRetry={() => versions.refetch()} />
      )}
      {failure && <ErrorNotice error={failure} />}
      {versions.data && (
        <>
          <table className="versions">
            <thead>
              <tr>
                <th>{t("rule.col.version")}</th>
                <th>{t("rule.col.by")}</th>
                <th>{t("rule.col.created")}</th>
                <th>{t("rule.col.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((v) => (
                <tr key={v.version} data-version={v.version}>
                  <td>
                    v{v.version}{" "}
                    {v.live && <span className="badge badge-live">{t("rule.live")}</span>}
                  </td>
                  <td>{v.created_by}</td>
                  <td>
                    <Time iso={v.created_at} />
                  </td>
                  <td>
                    {editable && !v.live && v.version > live && (
                      <button
                        type="button"
                        disabled={publish.isPending}
                        onClick={() => publish.mutate({ id: rule.id, version: v.version })}
                      >
                        {t("rule.publish", { version: v.version })}
                      </button>
                    )}
                    {editable && !v.live && v.version < live && (
                      <ConfirmButton
                        label={t("rule.rollback", { version: v.version })}
                        question={t("rule.rollbackConfirm", { version: v.version })}
                        confirm={t("rule.rollbackYes")}
                        keep={t("rule.keep")}
                        disabled={rollback.isPending}
                        onConfirm={() => rollback.mutate({ id: rule.id, version: v.version })}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <VersionDiff key={versions.data[0]?.version} versions={versions.data} />
        </>
      )}
    </section>
  );
}

function VersionDiff({ versions }: { versions: RuleVersion[] }) {
  const { t } = useI18n();
  const newest = versions[0]?.version ?? 1;
  const [to, setTo] = useState(newest);
  const [from, setFrom] = useState(Math.max(newest - 1, 0));
  const after = versions.find((v) => v.version === to);
  const before = versions.find((v) => v.version === from);
  const diff =
    after && from === to - 1
      ? after.diff
      : documentDiff(before?.spec, after?.spec, `v${from}`, `v${to}`);
  const choose = (value: number, set: (n: number) => void, label: string) => (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="version-diff">
      <h3>{t("rule.diff")}</h3>
      <div className="row">
        {choose(from, setFrom, t("rule.diffFrom"))}
        {choose(to, setTo, t("rule.diffTo"))}
      </div>
      <DiffView diff={diff} />
    </div>
  );
}
