// "New target" for operators and admins: a name, its kind, and what it runs (rule sets by
// name for Prometheus and vmalert, one Alertmanager config for Alertmanager).

import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useCreateTarget, type TargetCreate } from "./queries";

type Kind = TargetCreate["kind"];
const KINDS: Kind[] = ["prometheus", "vmalert", "alertmanager"];

export function NewTargetForm() {
  const { t } = useI18n();
  const create = useCreateTarget();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("prometheus");
  const [selects, setSelects] = useState("");
  const [url, setUrl] = useState("");
  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    const names = selects
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const body: TargetCreate =
      kind === "alertmanager"
        ? { name, kind, url, alertmanager_config: names[0] ?? "" }
        : { name, kind, url, alertmanager_config: "", rule_sets: names };
    create.mutate(body, { onSuccess: () => setName("") });
  };
  return (
    <form className="row" onSubmit={onSubmit} aria-label={t("config.newTarget")}>
      <label className="field">
        <span>{t("config.col.name")}</span>
        <input required value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("config.col.kind")}</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{kind === "alertmanager" ? t("config.amConfig") : t("config.ruleSetNames")}</span>
        <input value={selects} onChange={(e) => setSelects(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("config.url")}</span>
        <input value={url} maxLength={500} onChange={(e) => setUrl(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        {t("config.createTarget")}
      </button>
      {create.isError && <ErrorNotice error={create.error} />}
    </form>
  );
}
