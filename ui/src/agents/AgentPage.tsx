// One agent: what it reports (host, roots, labels, liveness, spool, recent events) and the
// config the control plane pushes to it, in the YAML editor (admins save a new version). An
// admin removes an agent that shows offline (a decommissioned host).

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { ApiError } from "../api/errors";
import { useI18n } from "../i18n/I18n";
import type { LineProblem } from "../rules/problems";
import { parseRule, toYaml } from "../rules/ruleYaml";
import "../rules/rules.css";
import { isAdmin } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Fact } from "../shared/Fact";
import { YamlSaveBlock } from "../shared/YamlSaveBlock";
import { Time } from "../shared/Time";
import { AgentStatusBadge, HeartbeatAge } from "./AgentStatusBadge";
import { Labels } from "./AgentsPage";
import { configProblems } from "./configProblems";
import { HostViews } from "./host/HostViews";
import { ConfigVersions } from "./ConfigVersions";
import { HostAlerts } from "./HostAlerts";
import { ResourcesPanel } from "./ResourcesPanel";
import {
  agentConfigQuery,
  agentDetailQuery,
  useRemoveAgent,
  useSaveAgentConfig,
  type Agent,
  type AgentConfig,
} from "./queries";

export function AgentPage() {
  const { t } = useI18n();
  const { agentId = "" } = useParams();
  const agent = useQuery(agentDetailQuery(agentId));
  const config = useQuery(agentConfigQuery(agentId));
  return (
    <section className="agent-detail">
      <Link to="/agents" className="back">
        ← {t("agents.back")}
      </Link>
      {agent.isPending && <p className="muted">{t("common.loading")}</p>}
      {agent.isError && <ErrorNotice error={agent.error} onRetry={() => agent.refetch()} />}
      {agent.data && <AgentFacts agent={agent.data} />}
      {agent.data && <HostViews agentId={agentId} />}
      {agent.data && <HostAlerts agentId={agentId} />}
      {agent.data && <ResourcesPanel agentId={agentId} />}
      {config.isError && <ErrorNotice error={config.error} onRetry={() => config.refetch()} />}
      {config.data && (
        <ConfigEditor
          key={config.data.version}
          config={config.data}
          applied={agent.data?.applied_config_version}
        />
      )}
      <ConfigVersions agentId={agentId} />
      {agent.data && agent.data.events.length > 0 && (
        <section className="card">
          <h2>{t("agents.events")}</h2>
          <ul className="agent-events">
            {[...agent.data.events].reverse().map((event, index) => (
              <li key={index}>
                {event.at && <Time iso={event.at} />}{" "}
                {Object.entries(event)
                  .filter(([key]) => key !== "at")
                  .map(([key, value]) => `${key}=${value}`)
                  .join(" ")}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

function AgentFacts({ agent }: { agent: Agent }) {
  const { t } = useI18n();
  return (
    <>
      <div className="page-title">
        <h1>{agent.id}</h1>
        <AgentStatusBadge status={agent.status} />
        {isAdmin(usePrincipal().role) && agent.status === "offline" && (
          <RemoveAgent agent={agent} />
        )}
      </div>
      <dl className="facts">
        <Fact label={t("agents.host")}>
          {agent.hostname} {agent.ip && <span className="muted">({agent.ip})</span>}
        </Fact>
        <Fact label={t("agents.col.version")}>{agent.version || "—"}</Fact>
        <Fact label={t("agents.col.heartbeat")}>
          <HeartbeatAge at={agent.last_heartbeat_at} />
        </Fact>
        <Fact label={t("agents.col.roots")}>{(agent.roots ?? []).join(", ") || "—"}</Fact>
        <Fact label={t("agents.col.labels")}>
          {Object.keys(agent.labels ?? {}).length > 0 ? <Labels labels={agent.labels} /> : "—"}
        </Fact>
        <Fact label={t("agents.col.spool")}>{agent.spool_depth}</Fact>
        <Fact label={t("agents.inFlight")}>{agent.in_flight}</Fact>
        <Fact label={t("agents.registered")}>
          <Time iso={agent.registered_at} />
        </Fact>
        {agent.last_error && (
          <Fact label={t("agents.col.lastError")}>
            <span className="error-line">{agent.last_error}</span>
          </Fact>
        )}
      </dl>
    </>
  );
}

/** Forget an offline agent: its tasks and files stay; its tokens are revoked with it. */
function RemoveAgent({ agent }: { agent: Agent }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const remove = useRemoveAgent(agent.id);
  return (
    <>
      <ConfirmButton
        label={t("agents.remove")}
        question={t("agents.removeConfirm", { id: agent.id, host: agent.hostname })}
        confirm={t("agents.removeYes")}
        keep={t("rule.keep")}
        disabled={remove.isPending}
        onConfirm={() => remove.mutate(undefined, { onSuccess: () => navigate("/agents") })}
      />
      {remove.isError && <ErrorNotice error={remove.error} />}
    </>
  );
}

/** The pushed config as YAML (JSON is YAML too): YAML errors are found here, the settings'
 * own by the API (422), both marked at their lines. */
function ConfigEditor({ config, applied }: { config: AgentConfig; applied?: number }) {
  const { t } = useI18n();
  const editable = isAdmin(usePrincipal().role);
  const save = useSaveAgentConfig(config.agent_id);
  const initial = Object.keys(config.config).length > 0 ? toYaml(config.config) : "{}\n";
  const [text, setText] = useState(initial);
  const [problems, setProblems] = useState<LineProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();

  const onSave = () => {
    setFailure(undefined);
    const parsed = parseRule(text);
    if (!parsed.ok) return setProblems(parsed.problems);
    setProblems([]);
    save.mutate(parsed.document, {
      onError: (error) => {
        if (error instanceof ApiError && error.code === "invalid_config") {
          setProblems(configProblems(text, error.message));
        } else setFailure(error);
      },
    });
  };

  return (
    <section className="card" aria-labelledby="agent-config">
      <h2 id="agent-config">{t("agents.config")}</h2>
      <p className="muted" data-testid="config-version">
        {t("agents.configVersion", { version: config.version })}
        {applied !== undefined && ` ${t("agents.configApplied", { version: applied })}`}
      </p>
      <p className="hint">
        {t("agents.configHelp")} {!editable && t("agents.adminOnly")}
      </p>
      <YamlSaveBlock
        initial={initial}
        onChange={setText}
        problems={problems}
        label={t("agents.config")}
        editable={editable}
        errors={[failure]}
        saveLabel={t("agents.saveConfig")}
        saving={save.isPending}
        onSave={onSave}
      />
    </section>
  );
}
