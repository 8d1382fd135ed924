// The alert routing document: its YAML in the editor, saved as a new version (problems marked
// at their lines), the versions with diffs, publish and roll back, and the test panel.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import type { LineProblem } from "../rules/problems";
import "../rules/rules.css";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { YamlSaveBlock } from "../shared/YamlSaveBlock";
import "./alerts.css";
import { liveRoutingQuery, usePublishRouting, useSaveRouting } from "./queries";
import { RoutingInvalid } from "./routing";
import { RoutingTestPanel } from "./RoutingTestPanel";
import { RoutingVersions } from "./RoutingVersions";

// What the editor starts from before anything is published (docs/alerts.md explains it).
export const STARTER_ROUTING = `routes:
  - name: critical
    matchers: ['severity="critical"']
    group_by: [alertname, cluster]
    channels: []
default:
  name: default
  channels: []
`;

export function RoutingPage() {
  const { t } = useI18n();
  const live = useQuery(liveRoutingQuery());
  const [draft, setDraft] = useState<string>();
  return (
    <section className="alert-routing">
      <div className="page-title">
        <h1>{t("routing.title")}</h1>
        {live.data && (
          <span className="muted" data-testid="live-version">
            {live.data.version
              ? t("routing.live", { version: live.data.version })
              : t("routing.nothingLive")}
          </span>
        )}
      </div>
      {live.isPending && <p className="muted">{t("common.loading")}</p>}
      {live.isError && <ErrorNotice error={live.error} onRetry={() => live.refetch()} />}
      {live.data && (
        <RoutingForm
          key={live.data.version}
          initial={live.data.text || STARTER_ROUTING}
          onChange={setDraft}
        />
      )}
      <RoutingVersions />
      <RoutingTestPanel draft={draft} />
    </section>
  );
}

function RoutingForm({ initial, onChange }: { initial: string; onChange: (t: string) => void }) {
  const { t } = useI18n();
  const editable = canEditRules(usePrincipal().role);
  const save = useSaveRouting();
  const publish = usePublishRouting();
  const [text, setText] = useState(initial);
  const [comment, setComment] = useState("");
  const [problems, setProblems] = useState<LineProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();

  const change = (next: string) => {
    setText(next);
    onChange(next);
  };
  const onSave = () => {
    setFailure(undefined);
    setProblems([]);
    save.mutate(
      { text, comment },
      {
        onSuccess: () => setComment(""),
        onError: (error) => {
          if (error instanceof RoutingInvalid) setProblems(error.problems);
          else setFailure(error);
        },
      },
    );
  };
  const saved = save.isSuccess && problems.length === 0 ? save.data : undefined;

  return (
    <>
      <YamlSaveBlock
        initial={initial}
        onChange={change}
        problems={problems}
        label={t("routing.editor")}
        editable={editable}
        errors={[failure, publish.error]}
        saveLabel={t("routing.save")}
        saving={save.isPending}
        onSave={onSave}
        beforeSave={
          <label className="field field-wide">
            <span>{t("routing.comment")}</span>
            <input value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} />
          </label>
        }
        afterSave={
          saved && (
            <>
              <span role="status">{t("rule.saved", { version: saved.version })}</span>
              <button
                type="button"
                disabled={publish.isPending}
                onClick={() => publish.mutate(saved.version)}
              >
                {t("rule.publish", { version: saved.version })}
              </button>
            </>
          )
        }
      />
    </>
  );
}
