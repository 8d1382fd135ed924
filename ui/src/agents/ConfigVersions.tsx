import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { DiffView } from "../rules/DiffView";
import { documentDiff } from "../rules/ruleYaml";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { agentConfigVersionsQuery, type AgentConfigVersion } from "./queries";

/** Every config pushed to the agent, newest first, and the diff between any two. */
export function ConfigVersions({ agentId }: { agentId: string }) {
  const { t } = useI18n();
  const versions = useQuery(agentConfigVersionsQuery(agentId));
  return (
    <section className="card" aria-labelledby="config-versions">
      <h2 id="config-versions">{t("agents.versions")}</h2>
      {versions.isError && (
        <ErrorNotice error={versions.error} onRetry={() => versions.refetch()} />
      )}
      {versions.data && versions.data.length === 0 && (
        <p className="muted">{t("agents.noVersions")}</p>
      )}
      {versions.data && versions.data.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="versions">
              <thead>
                <tr>
                  <th>{t("rule.col.version")}</th>
                  <th>{t("rule.col.by")}</th>
                  <th>{t("rule.col.created")}</th>
                </tr>
              </thead>
              <tbody>
                {versions.data.map((v) => (
                  <tr key={v.version} data-version={v.version}>
                    <td>v{v.version}</td>
                    <td>{v.created_by}</td>
                    <td>
                      <Time iso={v.created_at} />
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

function VersionDiff({ versions }: { versions: AgentConfigVersion[] }) {
  const { t } = useI18n();
  const newest = versions[0]?.version ?? 1;
  const [to, setTo] = useState(newest);
  const [from, setFrom] = useState(Math.max(newest - 1, 0));
  const config = (version: number) => versions.find((v) => v.version === version)?.config;
  // v0 is "nothing pushed": the diff from it shows the whole config as added.
  const diff = documentDiff(config(from) ?? null, config(to) ?? null, `v${from}`, `v${to}`);
  const choose = (value: number, set: (n: number) => void, label: string) => (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
        <option value={0}>v0</option>
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
