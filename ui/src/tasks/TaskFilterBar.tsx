import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";

import { taskStatusValues } from "../api/schema";
import { agentListQuery } from "../agents/queries";
import { useI18n } from "../i18n/I18n";
import { ruleListQuery } from "../rules/queries";
import {
  type TaskFilters,
  type TaskStatus,
  fromLocalInput,
  hasFilters,
  toLocalInput,
} from "./filters";

const ERROR_CLASSES = ["network", "timeout", "checksum", "rejected", "not_found", "invalid_input"];
const PERIODS = [
  { label: "1h", ms: 3_600_000 },
  { label: "24h", ms: 86_400_000 },
  { label: "7d", ms: 7 * 86_400_000 },
];

interface Draft {
  status: string;
  agent_id: string;
  rule_id: string;
  error_class: string;
  path: string;
  from: string;
  to: string;
}

function draftOf(filters: TaskFilters): Draft {
  return {
    status: filters.status ?? "",
    agent_id: filters.agent_id ?? "",
    rule_id: filters.rule_id ? String(filters.rule_id) : "",
    error_class: filters.error_class ?? "",
    path: filters.path ?? "",
    from: toLocalInput(filters.created_from),
    to: toLocalInput(filters.created_to),
  };
}

function filtersOf(draft: Draft): TaskFilters {
  const text = (value: string) => value.trim() || undefined;
  return {
    status: (draft.status || undefined) as TaskStatus | undefined,
    agent_id: text(draft.agent_id),
    rule_id: draft.rule_id ? Number(draft.rule_id) : undefined,
    error_class: text(draft.error_class),
    path: text(draft.path),
    created_from: fromLocalInput(draft.from),
    created_to: fromLocalInput(draft.to),
  };
}

/** Every filter of the list API. Choices apply at once; typed text on Enter or Apply. */
export function TaskFilterBar({
  filters,
  onApply,
}: {
  filters: TaskFilters;
  onApply: (filters: TaskFilters) => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(() => draftOf(filters));
  const agents = useQuery(agentListQuery());
  const rules = useQuery(ruleListQuery());

  const choose = (key: keyof Draft) => (value: string) => {
    const next = { ...draft, [key]: value };
    setDraft(next);
    onApply(filtersOf(next));
  };
  const type = (key: keyof Draft) => (value: string) => setDraft({ ...draft, [key]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(filtersOf(draft));
  };
  const lastPeriod = (ms: number) => {
    const from = new Date(Date.now() - ms).toISOString();
    onApply({ ...filtersOf(draft), created_from: from, created_to: undefined });
  };

  const agentIds = (agents.data ?? []).map((agent) => agent.id);
  if (draft.agent_id && !agentIds.includes(draft.agent_id)) agentIds.push(draft.agent_id);
  const ruleOptions = (rules.data ?? []).map((rule) => ({ id: String(rule.id), name: rule.name }));
  if (draft.rule_id && !ruleOptions.some((rule) => rule.id === draft.rule_id)) {
    ruleOptions.push({ id: draft.rule_id, name: `#${draft.rule_id}` });
  }

  return (
    <form className="filters" onSubmit={submit} aria-label={t("tasks.filters")}>
      <Select label={t("tasks.status")} value={draft.status} onChange={choose("status")}>
        <option value="">{t("tasks.any")}</option>
        {taskStatusValues.map((status) => (
          <option key={status} value={status}>
            {t(`status.${status}`)}
          </option>
        ))}
      </Select>
      <Select label={t("tasks.agent")} value={draft.agent_id} onChange={choose("agent_id")}>
        <option value="">{t("tasks.any")}</option>
        {agentIds.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </Select>
      <Select label={t("tasks.rule")} value={draft.rule_id} onChange={choose("rule_id")}>
        <option value="">{t("tasks.any")}</option>
        {ruleOptions.map((rule) => (
          <option key={rule.id} value={rule.id}>
            {rule.name}
          </option>
        ))}
      </Select>
      <label className="field">
        <span>{t("tasks.errorClass")}</span>
        <input
          name="error_class"
          list="error-classes"
          value={draft.error_class}
          onChange={(event) => type("error_class")(event.target.value)}
        />
        <datalist id="error-classes">
          {ERROR_CLASSES.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </label>
      <label className="field field-wide">
        <span>{t("tasks.path")}</span>
        <input
          name="path"
          type="search"
          value={draft.path}
          onChange={(event) => type("path")(event.target.value)}
        />
      </label>
      <label className="field">
        <span>{t("tasks.from")}</span>
        <input
          name="created_from"
          type="datetime-local"
          value={draft.from}
          onChange={(event) => type("from")(event.target.value)}
        />
      </label>
      <label className="field">
        <span>{t("tasks.to")}</span>
        <input
          name="created_to"
          type="datetime-local"
          value={draft.to}
          onChange={(event) => type("to")(event.target.value)}
        />
      </label>
      <div className="filter-actions">
        {PERIODS.map((period) => (
          <button key={period.label} type="button" onClick={() => lastPeriod(period.ms)}>
            {t("tasks.last", { period: period.label })}
          </button>
        ))}
        <button type="submit" className="primary">
          {t("tasks.apply")}
        </button>
        {hasFilters(filters) && (
          <button type="button" onClick={() => onApply({})}>
            {t("tasks.clear")}
          </button>
        )}
      </div>
    </form>
  );
}

function Select({
  label,
  value,
  onChange,
  children,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {children}
      </select>
    </label>
  );
}
