// The operators' decisions on an alert group: ack (optionally until a time), unack, assign and
// resolve. Hidden for roles that may not decide; the group's workflow may still refuse (409),
// or Temporal be away (503): the API's answer is shown as it is.

import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { canDecideAlertGroups } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { fromLocalInput } from "../tasks/filters";
import {
  useAckGroup,
  useAssignGroup,
  useResolveGroup,
  useUnackGroup,
  type AlertGroup,
} from "./groupQueries";

type Decision = "ack" | "unack" | "assign" | "resolve";

export function GroupActions({ group }: { group: AlertGroup }) {
  const { t } = useI18n();
  const principal = usePrincipal();
  const ack = useAckGroup(group.id);
  const unack = useUnackGroup(group.id);
  const assign = useAssignGroup(group.id);
  const resolve = useResolveGroup(group.id);
  const [until, setUntil] = useState("");
  const [assignee, setAssignee] = useState("");
  const [last, setLast] = useState<Decision>();
  if (!canDecideAlertGroups(principal.role)) return null;

  const mutations = { ack, unack, assign, resolve };
  const busy = Object.values(mutations).some((m) => m.isPending);
  const shown = last ? mutations[last] : undefined;
  const firing = group.status !== "resolved";
  const run = (decision: Decision, go: () => void) => {
    Object.values(mutations).forEach((m) => m.reset());
    setLast(decision);
    go();
  };
  const submitAck = (event: FormEvent) => {
    event.preventDefault();
    run("ack", () => ack.mutate(fromLocalInput(until), { onSuccess: () => setUntil("") }));
  };
  const submitAssign = (event: FormEvent) => {
    event.preventDefault();
    const to = assignee.trim();
    if (to) run("assign", () => assign.mutate(to, { onSuccess: () => setAssignee("") }));
  };

  return (
    <section className="actions card group-actions" aria-labelledby="group-actions">
      <h2 id="group-actions">{t("groups.actions")}</h2>
      {!firing && <p className="muted">{t("groups.nothingToDecide")}</p>}
      {firing && (
        <>
          <form className="row" onSubmit={submitAck}>
            <label className="field">
              <span>{t("groups.ackUntil")}</span>
              <input
                type="datetime-local"
                value={until}
                onChange={(e) => setUntil(e.target.value)}
              />
            </label>
            <button type="submit" className="primary" disabled={busy}>
              {t("groups.ack")}
            </button>
            {group.acked_by && (
              <button
                type="button"
                disabled={busy}
                onClick={() => run("unack", () => unack.mutate(undefined))}
              >
                {t("groups.unack")}
              </button>
            )}
          </form>
          <form className="row" onSubmit={submitAssign}>
            <label className="field">
              <span>{t("groups.assignTo")}</span>
              <input
                type="text"
                maxLength={200}
                value={assignee}
                onChange={(e) => setAssignee(e.target.value)}
              />
            </label>
            <button type="submit" disabled={busy || !assignee.trim()}>
              {t("groups.assign")}
            </button>
          </form>
          <div className="row">
            <ConfirmButton
              label={t("groups.resolve")}
              question={t("groups.resolveConfirm")}
              confirm={t("groups.resolveYes")}
              keep={t("groups.keep")}
              disabled={busy}
              onConfirm={() => run("resolve", () => resolve.mutate(undefined))}
            />
            {busy && <span className="muted">{t("task.working")}</span>}
          </div>
        </>
      )}
      <div aria-live="polite">
        {last && shown?.isSuccess && (
          <p className="notice" data-testid="group-decided">
            {t(`groups.done.${last}`)}
          </p>
        )}
      </div>
      {shown?.error && <ErrorNotice error={shown.error} />}
    </section>
  );
}
