import { useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useTestRules } from "./queries";

/** Ask `rules:test` which published rule and plan a file would get (nothing runs). */
export function TestPanel() {
  const { t } = useI18n();
  const test = useTestRules();
  const [form, setForm] = useState({ rel_path: "", size: "1024", agent_id: "", root: "/data" });
  if (!canEditRules(usePrincipal().role)) return null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    test.mutate({ ...form, size: Number(form.size) || 0 });
  };
  const field = (name: keyof typeof form, label: string, type = "text") => (
    <label className="field">
      <span>{label}</span>
      <input
        type={type}
        required
        min={type === "number" ? 0 : undefined}
        value={form[name]}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      />
    </label>
  );
  return (
    <section className="card" aria-labelledby="rule-test">
      <h2 id="rule-test">{t("ruleTest.title")}</h2>
      <form className="row" onSubmit={onSubmit}>
        {field("rel_path", t("ruleTest.path"))}
        {field("size", t("ruleTest.size"), "number")}
        {field("agent_id", t("ruleTest.agent"))}
        {field("root", t("ruleTest.root"))}
        <button type="submit" disabled={test.isPending}>
          {t("ruleTest.submit")}
        </button>
      </form>
      {test.error && <ErrorNotice error={test.error} />}
      {test.data && <PlanView plan={test.data} />}
    </section>
  );
}

function PlanView({ plan }: { plan: Schemas["Plan"] }) {
  const { t } = useI18n();
  return (
    <div className="plan" data-testid="test-result" role="status">
      <p>
        {plan.rule_name
          ? t("ruleTest.matched", { rule: plan.rule_name, version: plan.rule_version ?? "?" })
          : t("ruleTest.unmatched", { action: plan.action ?? "run" })}
      </p>
      {plan.stages.length > 0 && (
        <ol className="stages">
          {plan.stages.map((stage, index) => (
            <li key={index}>{stage.map((step) => step.name || step.type).join(" ‖ ")}</li>
          ))}
        </ol>
      )}
    </div>
  );
}
