import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { fromLocalInput, toLocalInput } from "../tasks/filters";
import type { Filters } from "./urlView";

export type FilterField<K extends string> =
  | { key: K; label: string; kind: "text" }
  | { key: K; label: string; kind: "instant" }
  | { key: K; label: string; kind: "select"; options: { value: string; label: string }[] };

/** A list API's filters as a form: choices apply at once, typed text on Enter or Apply.
 * Instants are shown in the browser's time and carried as UTC ISO 8601. */
export function FilterBar<K extends string>({
  fields,
  filters,
  onApply,
}: {
  fields: FilterField<K>[];
  filters: Filters<K>;
  onApply: (filters: Filters<K>) => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Filters<K>>(() => {
    const shown: Filters<K> = { ...filters };
    for (const field of fields) {
      if (field.kind === "instant") shown[field.key] = toLocalInput(filters[field.key]);
    }
    return shown;
  });

  const applied = (next: Filters<K>): Filters<K> => {
    const out: Filters<K> = {};
    for (const field of fields) {
      const value = next[field.key]?.trim();
      if (!value) continue;
      const final = field.kind === "instant" ? fromLocalInput(value) : value;
      if (final) out[field.key] = final;
    }
    return out;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(applied(draft));
  };

  return (
    <form className="filters" onSubmit={submit} aria-label={t("tasks.filters")}>
      {fields.map((field) => (
        <label key={field.key} className="field">
          {field.label}
          {field.kind === "select" ? (
            <select
              value={draft[field.key] ?? ""}
              onChange={(event) => {
                const next = { ...draft, [field.key]: event.target.value };
                setDraft(next);
                onApply(applied(next));
              }}
            >
              <option value="">{t("tasks.any")}</option>
              {field.options.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          ) : (
            <input
              type={field.kind === "instant" ? "datetime-local" : "search"}
              value={draft[field.key] ?? ""}
              onChange={(event) => setDraft({ ...draft, [field.key]: event.target.value })}
            />
          )}
        </label>
      ))}
      <div className="filter-actions">
        <button type="submit" className="primary">
          {t("tasks.apply")}
        </button>
        {Object.keys(filters).length > 0 && (
          <button
            type="button"
            onClick={() => {
              setDraft({});
              onApply({});
            }}
          >
            {t("tasks.clear")}
          </button>
        )}
      </div>
    </form>
  );
}
