// Every config target: what it should run against what it runs, in sync or not, stale and
// why, drift on disk, its latest rollout's state, the last error and when it last applied.
// Live events (config_target) refresh it while rollouts run: no polling.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { QueryTable } from "../shared/QueryTable";
import { Time } from "../shared/Time";
import { NewTargetForm } from "./NewTargetForm";
import { targetsQuery, type ConfigTarget, type RolloutState } from "./queries";

export function TargetsPage() {
  const { t } = useI18n();
  const targets = useQuery(targetsQuery());
  const editable = canEditRules(usePrincipal().role);
  return (
    <section>
      <div className="page-title">
        <h1>{t("config.targets")}</h1>
      </div>
      {editable && <NewTargetForm />}
      <QueryTable
        query={targets}
        rows={targets.data}
        empty={t("config.noTargets")}
        className="config-targets"
        columns={[
          t("config.col.name"),
          t("config.col.kind"),
          t("config.col.desired"),
          t("config.col.liveVersion"),
          t("config.col.state"),
          t("config.col.rollout"),
          t("config.col.applied"),
          t("config.col.error"),
        ]}
      >
        {(items) =>
          items.map((target) => (
            <tr key={target.name} data-name={target.name}>
              <td>
                <Link to={`/config/targets/${encodeURIComponent(target.name)}`}>{target.name}</Link>
              </td>
              <td>{target.kind}</td>
              <td data-testid="target-desired">{target.desired_version}</td>
              <td data-testid="target-live">{target.live_version}</td>
              <td>
                <TargetState target={target} />
              </td>
              <td data-testid="target-rollout">
                <RolloutBadge rollout={target.rollout} />
              </td>
              <td>
                <Time iso={target.applied_at} />
              </td>
              <td className="message">
                {target.error && <span className="error-line">{target.error}</span>}
              </td>
            </tr>
          ))
        }
      </QueryTable>
    </section>
  );
}

/** In sync or not, stale (with why) and drift, as short badges. */
export function TargetState({ target }: { target: ConfigTarget }) {
  const { t } = useI18n();
  return (
    <span className="target-state">
      {target.in_sync ? t("config.inSync") : t("config.outOfSync")}
      {target.stale && (
        <span className="error-line" title={target.stale_reason}>
          {" "}
          {t("config.stale", { reason: target.stale_reason })}
        </span>
      )}
      {target.drift && <span className="error-line"> {t("config.drift")}</span>}
    </span>
  );
}

/** The latest rollout's version and state (pending, running, applied, failed with why). */
export function RolloutBadge({ rollout }: { rollout?: RolloutState | null }) {
  const { t } = useI18n();
  if (!rollout) return <>—</>;
  const failed = rollout.state === "failed";
  return (
    <span className={`rollout-state rollout-${rollout.state}`} data-state={rollout.state}>
      {t("config.rolloutOf", {
        version: rollout.version,
        state: t(`config.rollout.${rollout.state}`),
      })}
      {rollout.error && (
        <span className={failed ? "error-line" : "muted"} title={rollout.error}>
          {" "}
          {rollout.error}
        </span>
      )}
    </span>
  );
}
