// Silences: the list with a state filter and paging, the create form, and expire (asked first).

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { canActOnTasks } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { QueryTable } from "../shared/QueryTable";
import { Time } from "../shared/Time";
import "./alerts.css";
import { PAGE_SIZE, silenceListQuery, useExpireSilence, type SilenceState } from "./queries";
import { SilenceFormCard } from "./SilenceForm";

const STATES: SilenceState[] = ["active", "pending", "expired"];

export function SilencesPage() {
  const { t } = useI18n();
  const editable = canActOnTasks(usePrincipal().role);
  const [state, setState] = useState<SilenceState | undefined>("active");
  const [offset, setOffset] = useState(0);
  const silences = useQuery(silenceListQuery({ state, offset }));
  const expire = useExpireSilence();

  return (
    <section className="silences">
      <div className="page-title">
        <h1>{t("silences.title")}</h1>
      </div>
      {editable && <SilenceFormCard />}
      <div className="row">
        <label className="field">
          <span>{t("silences.state")}</span>
          <select
            value={state ?? ""}
            onChange={(e) => {
              setState((e.target.value || undefined) as SilenceState | undefined);
              setOffset(0);
            }}
          >
            <option value="">{t("silences.state.all")}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`silences.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {expire.error && <ErrorNotice error={expire.error} />}
      <QueryTable
        query={silences}
        rows={silences.data?.items}
        empty={t("silences.empty")}
        className="silence-list"
        columns={[
          "#",
          t("silences.col.state"),
          t("silences.col.matchers"),
          t("silences.col.starts"),
          t("silences.col.ends"),
          t("silences.col.comment"),
          t("rule.col.by"),
          t("rule.col.actions"),
        ]}
      >
        {(items) =>
          items.map((s) => (
            <tr key={s.id} data-silence={s.id}>
              <td>{s.id}</td>
              <td>
                <span className={`badge badge-${s.state}`}>{t(`silences.state.${s.state}`)}</span>
                {(s.recurrence.windows as string[] | undefined)?.length ? (
                  <div className="muted">
                    {(s.recurrence.windows as string[]).join(", ")} (
                    {String(s.recurrence.timezone ?? "UTC")})
                  </div>
                ) : null}
              </td>
              <td>
                <ul className="matchers">
                  {s.matchers.map((m) => (
                    <li key={m}>
                      <code>{m}</code>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <Time iso={s.starts_at} />
              </td>
              <td>
                <Time iso={s.ends_at} />
              </td>
              <td>{s.comment}</td>
              <td>{s.created_by}</td>
              <td>
                {editable && s.state !== "expired" && (
                  <ConfirmButton
                    label={t("silences.expire")}
                    question={t("silences.expireConfirm", { id: s.id })}
                    confirm={t("silences.expireYes")}
                    keep={t("rule.keep")}
                    disabled={expire.isPending}
                    onConfirm={() => expire.mutate(s.id)}
                  />
                )}
              </td>
            </tr>
          ))
        }
      </QueryTable>
      <div className="pager">
        {offset > 0 && (
          <button type="button" onClick={() => setOffset(Math.max(offset - PAGE_SIZE, 0))}>
            {t("silences.newer")}
          </button>
        )}
        {silences.data?.next_offset != null && (
          <button type="button" onClick={() => setOffset(silences.data?.next_offset ?? 0)}>
            {t("silences.older")}
          </button>
        )}
      </div>
    </section>
  );
}
