import { useI18n } from "../i18n/I18n";
import { documentDiff } from "../rules/ruleYaml";
import { DiffView } from "../shared/DiffView";
import { authorColumns, VersionsPanel } from "../shared/VersionsPanel";
import { agentConfigVersionsQuery, type AgentConfigVersion } from "./queries";

/** Every config pushed to the agent and the diff between any two; v0 is "nothing pushed", so
 * the diff from it shows the whole config as added. */
export function ConfigVersions({ agentId }: { agentId: string }) {
  const { t } = useI18n();
  return (
    <VersionsPanel
      title={t("agents.versions")}
      query={agentConfigVersionsQuery(agentId)}
      columns={authorColumns<AgentConfigVersion>(t)}
      empty={t("agents.noVersions")}
      fromNothing
      renderDiff={(from, to, versions) => {
        const config = (version: number) => versions.find((v) => v.version === version)?.config;
        return <DiffView diff={documentDiff(config(from), config(to), `v${from}`, `v${to}`)} />;
      }}
    />
  );
}
