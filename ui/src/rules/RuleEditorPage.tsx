// One rule (or a new one at /rules/new): its YAML in the editor, saved as a new version; its
// versions with diffs, publish and roll back; and the test panel.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { ApiError } from "../api/errors";
import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { YamlSaveBlock } from "../shared/YamlSaveBlock";
import { parseProblems, problemsAtLines, type LineProblem } from "./problems";
import { ruleDetailQuery, useSaveRule, type Rule } from "./queries";
import { RuleVersions } from "./RuleVersions";
import { NEW_RULE_YAML, parseRule, toYaml } from "./ruleYaml";
import { TestPanel } from "./TestPanel";
import "./rules.css";

export function RuleEditorPage() {
  const { t } = useI18n();
  const { ruleId = "" } = useParams();
  const id = ruleId === "new" ? undefined : Number(ruleId);
  const rule = useQuery({ ...ruleDetailQuery(id ?? 0), enabled: id !== undefined });
  return (
    <section className="rule-detail">
      <Link to="/rules" className="back">
        ← {t("rules.back")}
      </Link>
      {id === undefined ? (
        <RuleForm key="new" />
      ) : (
        <>
          {rule.isPending && <p className="muted">{t("common.loading")}</p>}
          {rule.isError && <ErrorNotice error={rule.error} onRetry={() => rule.refetch()} />}
          {rule.data && (
            <>
              <RuleForm key={`${rule.data.id}-${rule.data.latest_version}`} rule={rule.data} />
              <RuleVersions rule={rule.data} />
            </>
          )}
        </>
      )}
      <TestPanel />
    </section>
  );
}

/** The editor and Save: YAML errors are found here, the rule's own by the API, both at lines. */
function RuleForm({ rule }: { rule?: Rule }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const editable = canEditRules(usePrincipal().role);
  const save = useSaveRule();
  const initial = rule ? toYaml(rule.spec) : NEW_RULE_YAML;
  const [text, setText] = useState(initial);
  const [problems, setProblems] = useState<LineProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();

  const onSave = () => {
    setFailure(undefined);
    const parsed = parseRule(text);
    if (!parsed.ok) return setProblems(parsed.problems);
    setProblems([]);
    save.mutate(
      { id: rule?.id, document: parsed.document },
      {
        onSuccess: (saved) => {
          if (!rule) navigate(`/rules/${saved.id}`);
        },
        onError: (error) => {
          if (error instanceof ApiError && error.code === "invalid_rule") {
            setProblems(problemsAtLines(text, parseProblems(error.message)));
          } else setFailure(error);
        },
      },
    );
  };

  return (
    <>
      <div className="page-title">
        <h1>{rule ? rule.name : t("rules.new")}</h1>
        {rule && (
          <span className="muted">
            {t("rule.versionInfo", {
              latest: rule.latest_version,
              live: rule.live_version ? `v${rule.live_version}` : t("rules.none"),
            })}
          </span>
        )}
      </div>
      <YamlSaveBlock
        initial={initial}
        onChange={setText}
        problems={problems}
        label={t("rule.editor")}
        editable={editable}
        errors={[failure]}
        saveLabel={rule ? t("rule.save") : t("rule.create")}
        saving={save.isPending}
        onSave={onSave}
        afterSave={
          save.isSuccess &&
          problems.length === 0 && (
            <span role="status">{t("rule.saved", { version: save.data.latest_version })}</span>
          )
        }
      />
    </>
  );
}
