import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { DiffView } from "../rules/DiffView";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import {
  routingVersionQuery,
  routingVersionsQuery,
  usePublishRouting,
  useRollbackRouting,
  type RoutingVersion,
} from "./queries";
import { textDiff } from "./routing";

/** Every version, newest first: who saved it and why, when it was last live; publish any
 * other one, roll back to the one live before, and the diff between any two. */
export function RoutingVersions() {
  const { t } = useI18n();
  const versions = useQuery(routingVersionsQuery());
  const editable = canEditRules(usePrincipal().role);
  const publish = usePublishRouting();
  const rollback = useRollbackRouting();
  const failure = publish.error ?? rollback.error;
  const published = versions.data?.filter((v) => v.published_at).length ?? 0;

  return (
    <section className="card" aria-labelledby="routing-versions">
      <div className="row spread">
        <h2 id="routing-versions">{t("rule.versions")}</h2>
        {editable && published >= 2 && (
          <ConfirmButton
            label={t("routing.rollback")}
            question={t("routing.rollbackConfirm")}
            confirm={t("rule.rollbackYes")}
            keep={t("rule.keep")}
            disabled={rollback.isPending}
            onConfirm={() => rollback.mutate()}
          />
        )}
      </div>
      {versions.isError && (
        <ErrorNotice error={versions.error} onRetry={() => versions.refetch()} />
      )}
      {failure && <ErrorNotice error={failure} />}
      {versions.data && versions.data.length === 0 && (
        <p className="muted">{t("routing.noVersions")}</p>
      )}
      {versions.data && versions.data.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="versions">
              <thead>
                <tr>
                  <th>{t("rule.col.version")}</th>
                  <th>{t("routing.col.comment")}</th>
                  <th>{t("rule.col.by")}</th>
                  <th>{t("rule.col.created")}</th>
                  <th>{t("routing.col.published")}</th>
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
                    <td>{v.comment}</td>
                    <td>{v.created_by}</td>
                    <td>
                      <Time iso={v.created_at} />
                    </td>
                    <td>
                      <Time iso={v.published_at} /> {v.published_by}
                    </td>
                    <td>
                      {editable && !v.live && (
                        <button
                          type="button"
                          disabled={publish.isPending}
                          onClick={() => publish.mutate(v.version)}
                        >
                          {t("rule.publish", { version: v.version })}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <VersionDiff key={versions.data[0]?.version} versions={versions.data} />
        </>
      )}
    </section>
  );
}

function VersionDiff({ versions }: { versions: RoutingVersion[] }) {
  const { t } = useI18n();
  const newest = versions[0]?.version ?? 1;
  const [to, setTo] = useState(newest);
  const [from, setFrom] = useState(versions[1]?.version ?? newest);
  const after = useQuery(routingVersionQuery(to));
  const before = useQuery(routingVersionQuery(from));
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
      {before.data && after.data && (
        <DiffView diff={textDiff(before.data.text, after.data.text, `v${from}`, `v${to}`)} />
      )}
    </div>
  );
}
