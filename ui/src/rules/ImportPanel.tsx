import { useState, type ChangeEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { DiffView } from "../shared/DiffView";
import { ErrorNotice } from "../shared/ErrorNotice";
import { usePublishRule, useSaveRule, type Rule, type RuleDocument } from "./queries";
import { documentDiff, parseRulesFile } from "./ruleYaml";

type Change = { document: RuleDocument; name: string; rule?: Rule; diff: string; live: boolean };

/** The CLI's rules apply command, in the browser: read a YAML file of rules, show each one's diff
 * against the rule of that name, then save and publish the ones that change. */
export function ImportPanel({ rules }: { rules: Rule[] }) {
  const { t } = useI18n();
  const save = useSaveRule();
  const publish = usePublishRule();
  const [changes, setChanges] = useState<Change[]>();
  const [failure, setFailure] = useState<unknown>();
  const [applied, setApplied] = useState(false);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    setFailure(undefined);
    setApplied(false);
    setChanges(undefined);
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      setChanges(parseRulesFile(await file.text()).map((document) => plan(document, rules)));
    } catch (error) {
      setFailure(error);
    }
  };

  const pending = (changes ?? []).filter((c) => c.diff !== "" || !c.live);
  const onApply = async () => {
    setFailure(undefined);
    try {
      for (const change of pending) {
        const saved =
          change.diff === "" && change.rule
            ? change.rule
            : await save.mutateAsync({ id: change.rule?.id, document: change.document });
        await publish.mutateAsync({ id: saved.id, version: saved.latest_version });
      }
      setApplied(true);
      setChanges(undefined);
    } catch (error) {
      setFailure(error);
    }
  };

  return (
    <section className="card" aria-labelledby="rule-import">
      <h2 id="rule-import">{t("ruleImport.title")}</h2>
      <label className="field">
        <span>{t("ruleImport.file")}</span>
        <input type="file" accept=".yaml,.yml,text/yaml" onChange={onFile} />
      </label>
      {failure !== undefined && <ErrorNotice error={failure} />}
      {applied && <p role="status">{t("ruleImport.applied")}</p>}
      {changes?.map((change, index) => (
        <div key={index} className="import-change">
          <h3>
            {change.name}{" "}
            <span className="muted">
              {!change.rule
                ? t("ruleImport.create")
                : change.diff !== ""
                  ? t("ruleImport.update")
                  : change.live
                    ? t("ruleImport.unchanged")
                    : t("ruleImport.publish")}
            </span>
          </h3>
          {change.diff !== "" && <DiffView diff={change.diff} />}
        </div>
      ))}
      {changes && (
        <button
          type="button"
          className="primary"
          disabled={pending.length === 0 || save.isPending || publish.isPending}
          onClick={onApply}
        >
          {t("ruleImport.apply", { count: pending.length })}
        </button>
      )}
    </section>
  );
}

function plan(document: RuleDocument, rules: Rule[]): Change {
  const name = String(document.name ?? "");
  const rule = rules.find((r) => r.name === name);
  const from = rule ? `${name} v${rule.latest_version}` : "(none)";
  return {
    document,
    name,
    rule,
    diff: documentDiff(rule?.spec, document, from, `${name} (file)`),
    live: rule !== undefined && rule.live_version === rule.latest_version,
  };
}
