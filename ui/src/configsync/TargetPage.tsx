// One config target: its state, what it selects, the files it should run, the diff from what
// it runs to them (secrets masked: contents with secrets go to the config-agent role only), its
// rollouts and "Roll out again". Live events refresh it while a rollout runs.

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useParams } from "react-router";

import { Labels } from "../agents/AgentsPage";
import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { rolloutsQuery, targetQuery, useRollOut, type ConfigTarget } from "./queries";
import { TargetDiffPanel } from "./TargetDiff";
import { RolloutBadge, TargetState } from "./TargetsPage";

export function TargetPage() {
  const { t } = useI18n();
  const { name = "" } = useParams();
  const target = useQuery(targetQuery(name));
  const editable = canEditRules(usePrincipal().role);
  const rollOut = useRollOut(name);
  return (
    <section>
      <div className="page-title">
        <h1>{name}</h1>
        {editable && (
          <button type="button" disabled={rollOut.isPending} onClick={() => rollOut.mutate()}>
            {t("config.rollOut")}
          </button>
        )}
      </div>
      {rollOut.isError && <ErrorNotice error={rollOut.error} />}
      {rollOut.isSuccess && (
        <p role="status">{t("config.rolledOut", { count: rollOut.data.length })}</p>
      )}
      {target.isPending && <p className="muted">{t("common.loading")}</p>}
      {target.isError && <ErrorNotice error={target.error} onRetry={() => target.refetch()} />}
      {target.data && <TargetFacts target={target.data} />}
      <TargetDiffPanel name={name} />
      <Rollouts name={name} />
    </section>
  );
}

function TargetFacts({ target }: { target: ConfigTarget }) {
  const { t } = useI18n();
  const facts: [string, ReactNode][] = [
    [t("config.col.kind"), target.kind],
    [t("config.col.labels"), <Labels key="l" labels={target.labels} />],
    [t("config.url"), target.url],
    [t("config.ruleSets"), target.rule_sets.join(", ")],
    [t("config.ruleSetLabels"), <Labels key="r" labels={target.rule_set_labels} />],
    [t("config.amConfig"), target.alertmanager_config],
    [
      t("config.col.desired"),
      <Digest key="d" version={target.desired_version} digest={target.desired_digest} />,
    ],
    [
      t("config.col.liveVersion"),
      <Digest key="v" version={target.live_version} digest={target.live_digest} />,
    ],
    [t("config.diskDigest"), <Digest key="k" digest={target.disk_digest} />],
    [t("config.col.state"), <TargetState key="s" target={target} />],
    [t("config.col.rollout"), <RolloutBadge key="r" rollout={target.rollout} />],
    [t("config.col.applied"), <Time key="a" iso={target.applied_at} />],
    [t("config.reported"), <Time key="p" iso={target.reported_at} />],
    [t("config.col.error"), target.error],
  ];
  return (
    <>
      <dl className="facts" data-testid="target-facts">
        {facts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value || value === 0 ? value : "—"}</dd>
          </div>
        ))}
      </dl>
      <h2>{t("config.files")}</h2>
      {target.files.length === 0 ? (
        <p className="empty">{t("config.noFiles")}</p>
      ) : (
        <ul data-testid="desired-files">
          {target.files.map((file) => (
            <li key={file}>
              <code>{file}</code>
            </li>
          ))}
        </ul>
      )}
      <p className="muted">{t("config.filesNote")}</p>
    </>
  );
}

/** A version and the start of its digest (the whole digest on hover). */
function Digest({ version, digest }: { version?: number; digest: string }) {
  return (
    <>
      {version !== undefined && `v${version} `}
      {digest && (
        <code className="hash" title={digest}>
          {digest.slice(0, 12)}
        </code>
      )}
    </>
  );
}

function Rollouts({ name }: { name: string }) {
  const { t } = useI18n();
  const rollouts = useQuery(rolloutsQuery(name));
  return (
    <>
      <h2>{t("config.rollouts")}</h2>
      {rollouts.isError && (
        <ErrorNotice error={rollouts.error} onRetry={() => rollouts.refetch()} />
      )}
      {rollouts.data && rollouts.data.length === 0 && (
        <p className="empty">{t("config.noRollouts")}</p>
      )}
      {rollouts.data && rollouts.data.length > 0 && (
        <div className="table-scroll">
          <table className="config-rollouts">
            <thead>
              <tr>
                <th scope="col">{t("rule.col.version")}</th>
                <th scope="col">{t("config.digest")}</th>
                <th scope="col">{t("config.workflow")}</th>
                <th scope="col">{t("rule.col.created")}</th>
                <th scope="col">{t("config.started")}</th>
                <th scope="col">{t("config.col.error")}</th>
              </tr>
            </thead>
            <tbody>
              {rollouts.data.map((r) => (
                <tr key={`${r.workflow_id}-${r.created_at}`} data-version={r.version}>
                  <td>{r.version}</td>
                  <td>
                    <code>{r.digest.slice(0, 12)}</code>
                  </td>
                  <td>
                    <code>{r.workflow_id}</code>
                  </td>
                  <td>
                    <Time iso={r.created_at} />
                  </td>
                  <td>{r.started_at ? <Time iso={r.started_at} /> : t("config.notStarted")}</td>
                  <td className="message">
                    {r.error && <span className="error-line">{r.error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
